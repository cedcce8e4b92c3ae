/**
 * The catalogue of every error code LungFlow throws, logs as a metric label or writes into a dead letter. A code
 * says what went wrong; `retriable` says whether the same operation may succeed later, and LungFlowError takes it
 * from here, so two places can never disagree about one code. The table in ../README.md is kept in step by
 * codes.test.ts; a new code goes here first (TypeScript refuses any other string as a LungFlowError code).
 */
export interface ErrorCodeEntry {
  readonly retriable: boolean;
  readonly meaning: string;
  /**
   * For a retriable code: how many failures with this code one operation may have before it is given up (dead
   * letter), below the retry policy's ceiling. For failures that, repeated on the same object, say more about the
   * object than about the network.
   */
  readonly maxAttempts?: number;
}

export const ERROR_CODES = {
  CONFIG_INVALID: { retriable: false, meaning: 'A setting is missing or invalid; the process does not start.' },
  CONTRACT_INVALID: { retriable: false, meaning: 'A Kafka message does not match its contract in @lungflow/contracts.' },
  UNEXPECTED: { retriable: false, meaning: 'An error nobody classified (a bug, or a library error LungFlow does not know); dead-lettered after a few attempts.' },
  INPUT_INVALID: { retriable: false, meaning: 'A file or argument given to the CLI cannot be used.' },
  NOTHING_TO_ANALYSE: { retriable: false, meaning: 'No chest CR/DX/CT image in scope: every instance or series was skipped or gave no image.' },

  DICOM_TRUNCATED: { retriable: false, meaning: 'The file ends before an element, a sequence or the pixel data does.' },
  DICOM_MALFORMED: { retriable: false, meaning: 'The bytes are not a DICOM data set, or an element contradicts the standard.' },
  DICOM_NO_PIXEL_DATA: { retriable: false, meaning: 'No Pixel Data (7FE0,0010) although an image was expected.' },
  DICOM_NOT_AN_IMAGE: { retriable: false, meaning: 'A SOP class that carries no image (SR, presentation state, KOS...).' },
  DICOM_UNSUPPORTED_TRANSFER_SYNTAX: { retriable: false, meaning: 'A compressed transfer syntax LungFlow cannot decode.' },
  DICOM_UNSUPPORTED_PIXEL_FORMAT: { retriable: false, meaning: 'A pixel layout LungFlow does not render (Bits Allocated 1, palette colour...).' },
  DICOM_TOO_LARGE: { retriable: false, meaning: 'The file, its pixel matrix or its declared frame count is over the configured caps, checked before download where the PACS says so.' },
  DICOM_BAD_PIXEL_ATTRIBUTES: { retriable: false, meaning: 'Image Pixel attributes that cannot describe an image (zero rows, Bits Stored > Bits Allocated...).' },
  DICOM_FRAME_OUT_OF_RANGE: { retriable: false, meaning: 'The requested frame index does not exist.' },
  DICOM_DECODE_FAILED: { retriable: false, meaning: 'A codec refused the compressed frame.' },

  DICOMWEB_HTTP_4XX: { retriable: false, meaning: 'The PACS refused the request with a 4xx other than 401, 403, 408 or 429.' },
  DICOMWEB_AUTH_REFUSED: { retriable: true, meaning: 'The PACS answered 401 or 403: credentials expired or not yet rotated; retried with backoff.' },
  DICOMWEB_THROTTLED: { retriable: true, meaning: 'The PACS answered 429 (or 503 with Retry-After); retried after the time it asks for.' },
  DICOMWEB_HTTP_5XX: { retriable: true, meaning: 'The PACS answered 5xx.' },
  DICOMWEB_UNREACHABLE: { retriable: true, meaning: 'The connection to the PACS failed.' },
  // A PACS that is down refuses connections (DICOMWEB_UNREACHABLE, retried for hours); one that answers others but
  // times out on this object again and again is stuck on the object (a huge or broken instance): a few tries, then
  // a dead letter, so that the studies queued behind it on its partition still run.
  DICOMWEB_TIMEOUT: { retriable: true, maxAttempts: 5, meaning: 'No complete answer within the timeout, or the PACS answered 408; given up after 5 timeouts of one message.' },
  DICOMWEB_STORE_FAILED: { retriable: false, meaning: 'STOW-RS answered but refused some instances for a reason that will not change.' },
  DICOMWEB_STORE_OUT_OF_RESOURCES: { retriable: true, meaning: 'STOW-RS refused instances only for lack of resources (failure reasons A7xx).' },
  DICOMWEB_BAD_RESPONSE: { retriable: false, meaning: 'An answer from the PACS that cannot be parsed.' },
  DICOMWEB_BAD_MULTIPART: { retriable: false, meaning: 'A multipart body that does not follow RFC 2046.' },

  PACS_UNREACHABLE: { retriable: true, meaning: "Orthanc's REST API did not answer, or answered 5xx or 429; or a DIMSE C-STORE timed out, failed on the network, had its association rejected transiently, or was answered Out of Resources." },
  PACS_REFUSED: { retriable: false, meaning: "Orthanc's REST API refused the request, or lacks the endpoint; or a DIMSE C-STORE association was rejected permanently, or instances were refused for a reason that will not change." },
  PACS_UNKNOWN: { retriable: false, meaning: 'An event names a source PACS id that is not in LUNGFLOW_PACS.' },
  CALLED_AE_UNKNOWN: { retriable: false, meaning: "A DIMSE association called an AE title other than ingest's INGEST_DIMSE_AE_TITLE; rejected." },
  CALLING_AE_NOT_ALLOWED: { retriable: false, meaning: 'A DIMSE association came from a calling AE title not in INGEST_DIMSE_ALLOWED_CALLING_AE_TITLES; rejected.' },

  KAFKA_UNAVAILABLE: { retriable: true, meaning: 'A broker is unreachable, electing a leader, rebalancing or timing out.' },
  KAFKA_REFUSED: { retriable: false, meaning: 'Kafka refused the request for a reason a retry does not cure (authorisation, invalid request).' },
  KAFKA_MESSAGE_TOO_LARGE: { retriable: false, meaning: 'A message is over the producer or topic size limit (KAFKA_MAX_MESSAGE_BYTES).' },
  REDIS_UNAVAILABLE: { retriable: true, meaning: 'Redis is unreachable, restarting or loading its data (ioredis gave up on a command, or Redis answered LOADING/BUSY/TRYAGAIN/MASTERDOWN/READONLY).' },
  CONNECTION_LOST: { retriable: true, meaning: 'A network connection was refused, reset or timed out (ECONNREFUSED, ECONNRESET, ETIMEDOUT...) outside a client that classifies its own errors.' },

  STATE_UNAVAILABLE: { retriable: true, meaning: "Ingest could not record a pushed study in its state store (Redis); the STOW answer says so." },

  HL7_ACK_AE: { retriable: false, meaning: 'The RIS answered AE/CE (application error: e.g. no accession number to attach the result to).' },
  HL7_ACK_AR: { retriable: true, meaning: 'The RIS answered AR/CR (rejected: RIS unavailable, or type/version not supported); retried, then dead-lettered.' },
  HL7_ACK_INVALID: { retriable: true, meaning: 'An HL7 ACK without MSA, with an unknown code, or for another control id; retried, then dead-lettered.' },
  MLLP_UNAVAILABLE: { retriable: true, meaning: 'The MLLP connection to the RIS was refused, reset or closed before the ACK, or no ACK came within the timeout.' },
  FHIR_REJECTED: { retriable: false, meaning: 'The FHIR server refused a resource with a 4xx other than 408/429 (e.g. 422 validation), or named no id for it.' },
  FHIR_UNAVAILABLE: { retriable: true, meaning: 'The FHIR server answered 5xx, 408 or 429, timed out or could not be reached.' },
  STUDY_NOT_IN_PACS: { retriable: true, meaning: "QIDO-RS or Orthanc's lookup does not know the study (it may still be indexing)." },
  PACS_PRIORITY_FAILED: { retriable: false, meaning: 'Orthanc refused the priority metadata write (e.g. the name is not declared in UserMetadata).' },
  PACS_PRIORITY_UNAVAILABLE: { retriable: true, meaning: 'Orthanc answered 5xx to the priority metadata write, timed out or could not be reached.' },
  REVIEW_INVALID: { retriable: false, meaning: "A radiologist's review cannot be saved: the study is not on the worklist, or the review does not fit it (e.g. a lesion mask too small)." },

  MODEL_CARD_INVALID: { retriable: false, meaning: 'A model card does not match its schema or names something serving does not know.' },
  MODEL_CARD_UNREADABLE: { retriable: false, meaning: 'A model card is missing or cannot be read.' },
  MODEL_CARD_UNKNOWN: { retriable: false, meaning: 'A result names a model for which report has no card.' },
  MODEL_HASH_MISMATCH: { retriable: false, meaning: "A model file's sha256 differs from its card." },
  MODEL_LOAD_FAILED: { retriable: false, meaning: 'ONNX Runtime could not load the model.' },
  MODEL_INPUT_SIZE: { retriable: false, meaning: 'An image does not have the size the model expects.' },
  MODEL_TASK_MISMATCH: { retriable: false, meaning: 'The model configured for a task was trained for another.' },
  PICTURE_UNREADABLE: { retriable: false, meaning: 'A PNG or JPEG given to the CLI cannot be decoded.' },
  AGGREGATE_EMPTY: { retriable: false, meaning: 'No image or series results to aggregate.' },
} as const satisfies Record<string, ErrorCodeEntry>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Type guard for codes read back from the outside (dead letters, metrics). */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.prototype.hasOwnProperty.call(ERROR_CODES, code);
}
