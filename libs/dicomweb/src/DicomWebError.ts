import { LungFlowError, type LungFlowErrorOptions } from '@lungflow/errors';

/**
 * Codes: `DICOMWEB_HTTP_4XX` (the PACS refused the request: not retried), `DICOMWEB_HTTP_5XX` (PACS fault: retried),
 * `DICOMWEB_UNREACHABLE` (connection failed: retried), `DICOMWEB_TIMEOUT` (no full answer within timeoutMs: retried),
 * `DICOMWEB_STORE_FAILED` (STOW answered but refused some instances), `DICOMWEB_BAD_RESPONSE` (an answer we cannot
 * parse: not retried). `details` holds method, path (never the query string, which may carry patient attributes),
 * status and UIDs.
 */
export type DicomWebErrorCode =
  | 'DICOMWEB_HTTP_4XX'
  | 'DICOMWEB_HTTP_5XX'
  | 'DICOMWEB_UNREACHABLE'
  | 'DICOMWEB_TIMEOUT'
  | 'DICOMWEB_STORE_FAILED'
  | 'DICOMWEB_BAD_RESPONSE';

export class DicomWebError extends LungFlowError {
  declare readonly code: DicomWebErrorCode;
  /** HTTP status when the PACS answered. */
  readonly status?: number;

  constructor(code: DicomWebErrorCode, message: string, options: LungFlowErrorOptions & { status?: number } = {}) {
    super(code, message, options);
    if (options.status !== undefined) this.status = options.status;
  }
}
