import { z } from 'zod';
import { packBitFrames, unpackBitFrame } from '../bits';
import { dicomUid } from '../common';

/**
 * Lesion quantification of one CXR image (libs/inference/src/lesions), carried so that report can write the SEG and
 * the SR's measurements without running a model. Optional on `instanceResult` (added compatibly, like `lungs`).
 * Masks travel on the model's 112×112 grid stretched over the whole image, 1 bit per pixel packed as in DICOM Pixel
 * Data (PS3.5 §8.1.1: first pixel in the least significant bit, padded to an even length as libs/dicom's packBits
 * does), base64: 1,568 bytes before base64 per 112×112 mask.
 */
const fraction = z.number().min(0).max(1);
const region = z.object({ areaFraction: fraction, areaMm2: z.number().min(0).nullable() }).strict();
const zone = region.extend({ brixia: z.number().min(0).max(3).nullable() }).strict();

export const packedMask = z
  .object({
    width: z.number().int().min(1).max(256),
    height: z.number().int().min(1).max(256),
    encoding: z.literal('bits-base64'),
    data: z.string().max(12_000),
  })
  .strict()
  .refine(
    (m) => {
      const bytes = Math.ceil((m.width * m.height) / 8);
      return Buffer.from(m.data, 'base64').length === bytes + (bytes % 2); // even, as DICOM Pixel Data (packBits)
    },
    { message: 'mask data must hold width × height bits' },
  );

export const lesionFindings = z
  .object({
    supervision: z.string().min(1).max(2_000),
    total: region,
    lungs: z.object({ right: region, left: region }).strict(),
    zones: z.object({ rightUpper: zone, rightMiddle: zone, rightLower: zone, leftUpper: zone, leftMiddle: zone, leftLower: zone }).strict(),
    severity: z
      .object({
        extent: z.number().min(0).max(8).nullable(),
        opacity: z.number().min(0).max(6).nullable(),
        brixiaGlobal: z.number().min(0).max(18).nullable(),
      })
      .strict(),
    clinical: z
      .array(z.object({ id: z.string().min(1).max(64), display: z.string().min(1).max(128), unit: z.string().min(1).max(32), value: z.number().nullable(), modelId: z.string().min(1).max(128) }).strict())
      .max(16),
    lungMask: packedMask,
    lesionMask: packedMask,
    peak: z.object({ x: fraction, y: fraction }).strict().nullable(),
  })
  .strict();

export type LesionFindingsMessage = z.infer<typeof lesionFindings>;

/** A 0/1-per-pixel mask (libs/dicom's FindingsMask has this shape). */
export interface BitMask {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Packs a mask for the event: bit i of the stream is pixel i (least significant bit first), even length (bits.ts). */
export function packMask(mask: BitMask): z.infer<typeof packedMask> {
  if (mask.data.length !== mask.width * mask.height) throw new RangeError(`mask has ${mask.data.length} values for ${mask.width}×${mask.height}`);
  return { width: mask.width, height: mask.height, encoding: 'bits-base64', data: Buffer.from(packBitFrames([mask.data])).toString('base64') };
}

/** The inverse of packMask: one byte (0/1) per pixel. */
export function unpackMask(packed: z.infer<typeof packedMask>): BitMask {
  return { width: packed.width, height: packed.height, data: unpackBitFrame(Buffer.from(packed.data, 'base64'), packed.width * packed.height) };
}

/**
 * CT lung quantification of one analysed series (libs/inference/src/lesions/ct): the lung volume from a classical
 * (not learned) segmentation in HU, and a CAM-based estimate of the involved share, labelled as such in
 * `lesions.supervision` (no CT lesion masks exist to train or check a lesion segmentation). Per-slice figures stay in
 * the CLI's JSON: a 500-slice series would not fit a Kafka message.
 */
export const ctSeriesLungs = z
  .object({
    seriesInstanceUid: dicomUid,
    lungs: z
      .object({
        method: z.string().min(1).max(2_000),
        volumeMl: z.number().min(0).nullable(),
        sliceSpacingMm: z.number().positive().nullable(),
        slices: z.number().int().min(0),
        slicesWithLungs: z.number().int().min(0),
      })
      .strict(),
    lesions: z
      .object({
        className: z.string().min(1),
        relativeThreshold: z.number().min(0).max(1),
        supervision: z.string().min(1).max(2_000),
        volumeFraction: fraction,
        volumeMl: z.number().min(0).nullable(),
      })
      .strict(),
  })
  .strict();

export type CtSeriesLungsMessage = z.infer<typeof ctSeriesLungs>;
