import { DicomError } from '../errors';
import type { DicomInstance } from '../read/DicomInstance';
import { TRANSFER_SYNTAX, transferSyntaxName } from '../read/transferSyntax';
import { concat } from '../read/concat';
import type { CodecOutput } from './codecs/CodecOutput';
import { codestreamGeometry, jpeg2000LevelSize, jpeg2000Reduction } from './codecs/codestreamGeometry';
import { DECODABLE_TRANSFER_SYNTAXES, decodeCompressed } from './codecs/decodeCompressed';
import type { ImagePixelModule } from './imagePixelModule';
import { storedValues } from './storedValues';

/** One frame's stored values, samples still interleaved or planar as `planarConfiguration` says. */
export interface DecodedFrame {
  values: Float32Array;
  width: number;
  height: number;
  samplesPerPixel: number;
  planarConfiguration: 0 | 1;
  /** The data set's photometric interpretation, or RGB where a codec already converted YCbCr. */
  photometricInterpretation: string;
  /** Largest stored value the samples can hold (for scaling colour images). */
  maxValue: number;
  /**
   * How many times smaller than Columns × Rows the frame was decoded (a power of two; 1: full resolution). Only a
   * JPEG 2000 frame decoded with `minLongSide` can be smaller: width and height are then its level's size.
   */
  reduction: number;
}

export interface DecodeFrameOptions {
  /**
   * The fewest pixels the caller needs on the longer side. A JPEG 2000 frame is then decoded at its smallest
   * resolution level that still has them (OpenJPEG discards the finer wavelet levels: about 4× less work per
   * level), never below that; every other syntax, and a codestream without lower levels, decodes in full.
   */
  minLongSide?: number;
}

/**
 * Turns frame `frameIndex` (0-based) of an instance into stored values, from native bytes or through the codec
 * of its transfer syntax. Every failure is a DicomError that names the object and, for codecs, the syntax.
 */
export async function decodeFrame(instance: DicomInstance, module: ImagePixelModule, frameIndex: number, options: DecodeFrameOptions = {}): Promise<DecodedFrame> {
  const { sopInstanceUid, transferSyntaxUid } = instance;
  const details = { sopInstanceUid, transferSyntaxUid, frameIndex };
  if (!(Number.isInteger(frameIndex) && frameIndex >= 0 && frameIndex < module.numberOfFrames)) {
    throw new DicomError('DICOM_FRAME_OUT_OF_RANGE', `frame ${frameIndex} does not exist (${module.numberOfFrames} frames)`, details);
  }
  const pixelData = instance.pixelData;
  if (pixelData === undefined) throw new DicomError('DICOM_NO_PIXEL_DATA', 'the object has no Pixel Data', details);
  const pixels = module.rows * module.columns;
  if (!pixelData.encapsulated) {
    const ybr422 = module.photometricInterpretation === 'YBR_FULL_422';
    // YBR_FULL_422 stores two samples per pixel on average: Y1 Y2 Cb Cr for each pair of pixels (PS3.3 C.7.6.3.1.2)
    const samplesPerFrame = ybr422 ? pixels * 2 : pixels * module.samplesPerPixel;
    const frameBytes = (samplesPerFrame * module.bitsAllocated) / 8;
    const { buffers } = pixelData;
    const source = buffers.length === module.numberOfFrames && buffers.length > 1 ? buffers[frameIndex] : concat(...buffers);
    const offset = buffers.length === module.numberOfFrames && buffers.length > 1 ? 0 : frameIndex * frameBytes;
    if (source.byteLength < offset + frameBytes) {
      throw new DicomError(
        'DICOM_TRUNCATED',
        `Pixel Data holds ${source.byteLength} bytes, frame ${frameIndex} needs bytes ${offset} to ${offset + frameBytes}`,
        details,
      );
    }
    const values = storedValues(source.subarray(offset, offset + frameBytes), samplesPerFrame, {
      bitsAllocated: module.bitsAllocated,
      bitsStored: module.bitsStored,
      highBit: module.highBit,
      signed: module.pixelRepresentation === 1,
      bigEndian: pixelData.bigEndian,
    });
    return {
      values,
      width: module.columns,
      height: module.rows,
      samplesPerPixel: module.samplesPerPixel,
      planarConfiguration: module.planarConfiguration,
      photometricInterpretation: module.photometricInterpretation,
      maxValue: 2 ** module.bitsStored - 1,
      reduction: 1,
    };
  }

  if (!DECODABLE_TRANSFER_SYNTAXES.has(transferSyntaxUid)) {
    throw new DicomError('DICOM_UNSUPPORTED_TRANSFER_SYNTAX', `cannot decode ${transferSyntaxName(transferSyntaxUid)}`, details);
  }
  const encoded = pixelData.frames[frameIndex];
  if (encoded === undefined || encoded.byteLength === 0) {
    throw new DicomError('DICOM_TRUNCATED', `frame ${frameIndex} of ${module.numberOfFrames} is missing from Pixel Data`, details);
  }
  const isRle = transferSyntaxUid === TRANSFER_SYNTAX.rle;
  let reduce: { levels: number; width: number; height: number } | undefined;
  if (!isRle) {
    // Decoders allocate what the codestream asks for; compare it with the header before letting them.
    const geometry = codestreamGeometry(encoded);
    if (geometry === undefined || geometry.width !== module.columns || geometry.height !== module.rows) {
      const found = geometry === undefined ? 'no frame header' : `a ${geometry.width} × ${geometry.height} frame`;
      throw new DicomError(
        'DICOM_DECODE_FAILED',
        `${transferSyntaxName(transferSyntaxUid)} frame ${frameIndex} has ${found}, the header says ${module.columns} × ${module.rows}`,
        details,
      );
    }
    if (geometry.components !== module.samplesPerPixel) {
      throw new DicomError('DICOM_DECODE_FAILED', `codestream has ${geometry.components} components, Samples per Pixel is ${module.samplesPerPixel}`, details);
    }
    if (options.minLongSide !== undefined && geometry.jpeg2000 !== undefined) {
      const levels = jpeg2000Reduction(geometry.jpeg2000, options.minLongSide);
      if (levels > 0) reduce = { levels, ...jpeg2000LevelSize(geometry.jpeg2000, levels) };
    }
  }
  const codecGeometry = { width: module.columns, height: module.rows, samplesPerPixel: module.samplesPerPixel, bitsAllocated: module.bitsAllocated === 8 ? 8 : 16 } as const;
  const decode = async (jpeg2000Reduce?: typeof reduce): Promise<CodecOutput> => {
    try {
      return await decodeCompressed(transferSyntaxUid, encoded, codecGeometry, jpeg2000Reduce ? { jpeg2000Reduce } : {});
    } catch (error) {
      const reason = error instanceof Error ? error.message : `codec error ${String(error)}`;
      throw new DicomError('DICOM_DECODE_FAILED', `${transferSyntaxName(transferSyntaxUid)} frame ${frameIndex} did not decode: ${reason}`, details, error);
    }
  };
  const expected = (w: number, h: number) => w * h * module.samplesPerPixel;
  const fits = (out: CodecOutput, w: number, h: number) => out.width === w && out.height === h && out.bytes.byteLength >= (expected(w, h) * out.bitsAllocated) / 8;
  let output: CodecOutput | undefined;
  if (reduce !== undefined) {
    // A reduced decode that fails or gives another size (a tile-part header with fewer levels than the main
    // header) costs one more decode, at full resolution, rather than the frame.
    const reduced = await decode(reduce).catch(() => undefined);
    const exact = reduced !== undefined && reduced.bytes.byteLength === (expected(reduce.width, reduce.height) * reduced.bitsAllocated) / 8;
    if (reduced !== undefined && exact && fits(reduced, reduce.width, reduce.height)) output = reduced;
    else reduce = undefined;
  }
  output ??= await decode();
  const width = reduce?.width ?? module.columns;
  const height = reduce?.height ?? module.rows;
  const samples = expected(width, height);
  if (!fits(output, width, height)) {
    throw new DicomError('DICOM_DECODE_FAILED', `${transferSyntaxName(transferSyntaxUid)} frame ${frameIndex} decoded to the wrong size`, details);
  }
  const precision = Math.min(output.precision ?? module.bitsStored, output.bitsAllocated);
  const values = storedValues(output.bytes, samples, {
    bitsAllocated: output.bitsAllocated,
    bitsStored: precision,
    highBit: precision - 1,
    signed: output.signed ?? module.pixelRepresentation === 1,
    bigEndian: false,
  });
  const converted = output.rgb === true || transferSyntaxUid === TRANSFER_SYNTAX.jpeg2000 || transferSyntaxUid === TRANSFER_SYNTAX.jpeg2000Lossless;
  return {
    values,
    width,
    height,
    samplesPerPixel: module.samplesPerPixel,
    planarConfiguration: 0,
    photometricInterpretation: converted && module.samplesPerPixel === 3 ? 'RGB' : module.photometricInterpretation === 'YBR_FULL_422' ? 'YBR_FULL' : module.photometricInterpretation,
    maxValue: 2 ** precision - 1,
    reduction: reduce === undefined ? 1 : 2 ** reduce.levels,
  };
}
