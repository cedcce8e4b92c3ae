import type { InstanceResult } from '@lungflow/contracts';
import { packBits, unpackBits, type FindingsMask, type LesionFindings } from '@lungflow/dicom';

/**
 * A model-grid mask as an event can carry it: 1 bit per cell, row-major, first cell in the least significant bit
 * (the SEG's own packing, PS3.5 §8.1.1), base64. A 224×224 mask is 6,272 bytes (8.4 kB as base64): model output on
 * the model's grid, never pixels of the image.
 */
export interface EncodedMask {
  width: number;
  height: number;
  encoding: 'bits-base64';
  data: string;
}

/**
 * The lesion findings of one analysed image as report expects `inference.completed` to carry them on the instance
 * result (`results[i].lesions`), once the contract has them (libs/contracts is not changed here): LesionFindings
 * (libs/dicom/src/write/LesionFindings.ts) with its two masks encoded. Absent for models without lesion output.
 */
export type LesionsOnTheWire = Omit<LesionFindings, 'lungMask' | 'lesionMask'> & { lungMask: EncodedMask; lesionMask: EncodedMask };

export function encodeMask(mask: FindingsMask): EncodedMask {
  const packed = packBits({ rows: mask.height, columns: mask.width, data: mask.data });
  return { width: mask.width, height: mask.height, encoding: 'bits-base64', data: Buffer.from(packed).toString('base64') };
}

export function decodeMask(mask: EncodedMask): FindingsMask {
  const packed = new Uint8Array(Buffer.from(mask.data, 'base64'));
  if (packed.length < Math.ceil((mask.width * mask.height) / 8)) throw new RangeError(`lesion mask has ${packed.length} bytes for ${mask.width}×${mask.height} cells`);
  return { width: mask.width, height: mask.height, data: unpackBits(packed, mask.height, mask.width) };
}

/** The lesion findings of an instance result, masks decoded; undefined when the result has none (today's events). */
export function lesionsOf(result: InstanceResult): LesionFindings | undefined {
  const wire = (result as InstanceResult & { lesions?: LesionsOnTheWire }).lesions;
  if (!wire) return undefined;
  return { ...wire, lungMask: decodeMask(wire.lungMask), lesionMask: decodeMask(wire.lesionMask) };
}
