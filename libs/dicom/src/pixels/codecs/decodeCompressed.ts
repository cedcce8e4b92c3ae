import { Decoder as JpegLosslessDecoder } from 'jpeg-lossless-decoder-js';
import { TRANSFER_SYNTAX } from '../../read/transferSyntax';
import type { CodecOutput } from './CodecOutput';
import { decodeRle } from './decodeRle';
import { wasmCodecs } from './wasmCodecs';

/** Transfer syntaxes whose frames LungFlow decodes, and with what. */
export const DECODABLE_TRANSFER_SYNTAXES: ReadonlySet<string> = new Set([
  TRANSFER_SYNTAX.jpegBaseline,
  TRANSFER_SYNTAX.jpegExtended,
  TRANSFER_SYNTAX.jpegLossless,
  TRANSFER_SYNTAX.jpegLosslessSv1,
  TRANSFER_SYNTAX.jpegLsLossless,
  TRANSFER_SYNTAX.jpegLsNearLossless,
  TRANSFER_SYNTAX.jpeg2000Lossless,
  TRANSFER_SYNTAX.jpeg2000,
  TRANSFER_SYNTAX.rle,
]);

export interface FrameGeometry {
  width: number;
  height: number;
  samplesPerPixel: number;
  bitsAllocated: 8 | 16;
}

export interface DecodeCompressedOptions {
  /**
   * JPEG 2000 only: discard this many resolution levels (each halves both sides), with the size the frame has
   * then (jpeg2000LevelSize); other syntaxes ignore it and decode in full.
   */
  jpeg2000Reduce?: { levels: number; width: number; height: number };
}

/**
 * Decodes one compressed frame with the codec for its transfer syntax: libjpeg-turbo (JPEG baseline and 8-bit
 * extended), jpeg-lossless-decoder-js (JPEG lossless, processes 14 and 14 SV1), CharLS (JPEG-LS), OpenJPEG
 * (JPEG 2000) and LungFlow's own RLE decoder. Callers check DECODABLE_TRANSFER_SYNTAXES first.
 */
export async function decodeCompressed(transferSyntaxUid: string, encoded: Uint8Array, geometry: FrameGeometry, options: DecodeCompressedOptions = {}): Promise<CodecOutput> {
  switch (transferSyntaxUid) {
    case TRANSFER_SYNTAX.rle:
      return decodeRle(encoded, geometry);
    case TRANSFER_SYNTAX.jpegBaseline:
    case TRANSFER_SYNTAX.jpegExtended: {
      const { info, bytes } = await wasmCodecs.jpegBaseline(encoded);
      // libjpeg-turbo converts YCbCr to RGB for three components (its default out_color_space)
      return { bytes, width: info.width, height: info.height, samplesPerPixel: info.componentCount, bitsAllocated: 8, rgb: info.componentCount === 3 };
    }
    case TRANSFER_SYNTAX.jpegLsLossless:
    case TRANSFER_SYNTAX.jpegLsNearLossless: {
      const { info, bytes } = await wasmCodecs.jpegLs(encoded);
      return fromWasm(info, bytes);
    }
    case TRANSFER_SYNTAX.jpeg2000Lossless:
    case TRANSFER_SYNTAX.jpeg2000: {
      const reduce = options.jpeg2000Reduce;
      if (reduce !== undefined && reduce.levels > 0) {
        const { info, bytes } = await wasmCodecs.jpeg2000(encoded, reduce.levels);
        // OpenJPEG's frame info keeps the full size; what it wrote is the reduced level.
        return { ...fromWasm({ ...info, width: reduce.width, height: reduce.height }, bytes), signed: info.isSigned === true };
      }
      const { info, bytes } = await wasmCodecs.jpeg2000(encoded);
      return { ...fromWasm(info, bytes), signed: info.isSigned === true };
    }
    case TRANSFER_SYNTAX.jpegLossless:
    case TRANSFER_SYNTAX.jpegLosslessSv1: {
      const decoder = new JpegLosslessDecoder();
      const bytesPerSample = geometry.bitsAllocated / 8;
      const copy = encoded.slice();
      const out: Uint8Array | Uint16Array = decoder.decode(copy.buffer, 0, copy.byteLength, bytesPerSample);
      return {
        bytes: new Uint8Array(out.buffer, out.byteOffset, out.byteLength),
        width: decoder.xDim,
        height: decoder.yDim,
        samplesPerPixel: decoder.numComp,
        bitsAllocated: bytesPerSample === 1 ? 8 : 16,
        precision: decoder.precision,
      };
    }
    default:
      throw new Error(`no codec for ${transferSyntaxUid}`);
  }
}

function fromWasm(info: { width: number; height: number; bitsPerSample: number; componentCount: number }, bytes: Uint8Array): CodecOutput {
  return {
    bytes,
    width: info.width,
    height: info.height,
    samplesPerPixel: info.componentCount,
    bitsAllocated: info.bitsPerSample <= 8 ? 8 : 16,
    precision: info.bitsPerSample,
  };
}
