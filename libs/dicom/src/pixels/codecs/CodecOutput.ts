/**
 * A decoded frame in native layout: little-endian samples, interleaved (Planar Configuration 0), right-aligned
 * so that High Bit = precision - 1. The rest of the pipeline then treats it like uncompressed Pixel Data.
 */
export interface CodecOutput {
  bytes: Uint8Array;
  width: number;
  height: number;
  samplesPerPixel: number;
  bitsAllocated: 8 | 16;
  /** Bits per sample the codestream declares, when it declares them (JPEG 2000, JPEG-LS, JPEG lossless). */
  precision?: number;
  /** Signedness the codestream declares (JPEG 2000 only); else Pixel Representation decides. */
  signed?: boolean;
  /** The codec turned YCbCr into RGB, so the data set's YBR photometric no longer applies. */
  rgb?: boolean;
}
