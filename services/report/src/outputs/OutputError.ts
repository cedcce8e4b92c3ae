import { LungFlowError, type ErrorCode, type LungFlowErrorOptions } from '@lungflow/errors';

/**
 * The result outputs' error codes (their dead-letter reasons), listed in the README: a subset of the catalogue in
 * @lungflow/errors, which says what each means and whether it is retried.
 * - HL7_ACK_AE: the RIS answered AE (application error: the content cannot be processed); not retried.
 * - HL7_ACK_AR: the RIS answered AR (rejected: unavailable, or unsupported type); retried, then dead-lettered.
 * - HL7_ACK_INVALID: no MSA in the answer, or an ACK for another message; retried, then dead-lettered.
 * - MLLP_UNAVAILABLE: no connection, timeout or closed before the ACK; retried.
 * - FHIR_REJECTED: the FHIR server refused a resource (4xx, e.g. 422 validation); not retried.
 * - FHIR_UNAVAILABLE: 5xx, 429, timeout or no connection; retried.
 * - STUDY_NOT_IN_PACS: the PACS does not know the study (QIDO-RS or Orthanc lookup); retried (it may be indexing).
 * - PACS_PRIORITY_FAILED: Orthanc refused the metadata write (4xx, e.g. undeclared UserMetadata); not retried.
 * - PACS_PRIORITY_UNAVAILABLE: Orthanc 5xx, timeout or no connection; retried.
 */
export type OutputErrorCode = Extract<
  ErrorCode,
  | 'HL7_ACK_AE'
  | 'HL7_ACK_AR'
  | 'HL7_ACK_INVALID'
  | 'MLLP_UNAVAILABLE'
  | 'FHIR_REJECTED'
  | 'FHIR_UNAVAILABLE'
  | 'STUDY_NOT_IN_PACS'
  | 'PACS_PRIORITY_FAILED'
  | 'PACS_PRIORITY_UNAVAILABLE'
>;

export class OutputError extends LungFlowError {
  declare readonly code: OutputErrorCode;

  constructor(code: OutputErrorCode, message: string, options: LungFlowErrorOptions = {}) {
    super(code, message, options);
  }
}
