import { LungFlowError } from '@lungflow/errors';

/**
 * Why a DICOM object could not be read or rendered. A retry never helps: the bytes stay the same, so every
 * DicomError is `retriable: false` and a handler sends the object to the dead-letter topic.
 */
export const DICOM_ERROR_CODES = [
  /** The file ends before an element, a sequence or the pixel data does. */
  'DICOM_TRUNCATED',
  /** The bytes are not a DICOM data set, or an element contradicts the standard (bad lengths, bad VR). */
  'DICOM_MALFORMED',
  /** No Pixel Data (7FE0,0010) although an image was expected. */
  'DICOM_NO_PIXEL_DATA',
  /** A SOP class that carries no image (SR, presentation state, KOS...). */
  'DICOM_NOT_AN_IMAGE',
  /** A compressed transfer syntax that LungFlow cannot decode; the message names it. */
  'DICOM_UNSUPPORTED_TRANSFER_SYNTAX',
  /** An image pixel layout LungFlow does not render (Bits Allocated 1, palette colour, ...). */
  'DICOM_UNSUPPORTED_PIXEL_FORMAT',
  /** The file or its pixel matrix is over the configured caps (ReadLimits). */
  'DICOM_TOO_LARGE',
  /** Image Pixel attributes that cannot describe an image (zero rows, Bits Stored > Bits Allocated, ...). */
  'DICOM_BAD_PIXEL_ATTRIBUTES',
  /** The requested frame index does not exist. */
  'DICOM_FRAME_OUT_OF_RANGE',
  /** A codec refused the compressed frame. */
  'DICOM_DECODE_FAILED',
] as const;

export type DicomErrorCode = (typeof DICOM_ERROR_CODES)[number];

export interface DicomErrorDetails {
  /** The object concerned, when it could be read: never patient identity. */
  sopInstanceUid?: string;
  transferSyntaxUid?: string;
  [key: string]: unknown;
}

export class DicomError extends LungFlowError {
  declare readonly code: DicomErrorCode;

  constructor(code: DicomErrorCode, message: string, details: DicomErrorDetails = {}, cause?: unknown) {
    super(code, message, { details: stripUndefined(details), cause });
  }
}

/** True when `error` is a DicomError, optionally with the given code. */
export function isDicomError(error: unknown, code?: DicomErrorCode): error is DicomError {
  return error instanceof DicomError && (code === undefined || error.code === code);
}

function stripUndefined(details: DicomErrorDetails): Record<string, unknown> {
  return Object.fromEntries(Object.entries(details).filter(([, value]) => value !== undefined));
}
