import { LungFlowError } from '@lungflow/errors';

/**
 * A multipart body that does not follow RFC 2046 (no boundary, truncated, part without header end). Not retriable:
 * asking again returns the same bytes. The client wraps it in a DicomWebError naming the request.
 */
export class MultipartError extends LungFlowError {
  constructor(message: string) {
    super('DICOMWEB_BAD_MULTIPART', message);
  }
}
