import { LungFlowError, type ErrorCode, type LungFlowErrorOptions } from '@lungflow/errors';

/**
 * A DICOMweb exchange that failed; the code (one of the DICOMWEB_* codes of the catalogue in @lungflow/errors) says
 * why and whether a retry can help. `details` holds method, path (never the query string, which may carry patient
 * attributes), status, UIDs, and `retryAfterMs` when the PACS said how long to wait.
 */
export type DicomWebErrorCode = Extract<ErrorCode, `DICOMWEB_${string}`>;

export class DicomWebError extends LungFlowError {
  declare readonly code: DicomWebErrorCode;
  /** HTTP status when the PACS answered. */
  readonly status?: number;

  constructor(code: DicomWebErrorCode, message: string, options: LungFlowErrorOptions & { status?: number } = {}) {
    super(code, message, options);
    if (options.status !== undefined) this.status = options.status;
  }
}
