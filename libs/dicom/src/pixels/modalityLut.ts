import { attr, type NaturalizedDataset } from '../read/attr';
import { functionalGroupItem } from './functionalGroupItem';
import { applyLookupTable, lookupTable } from './lookupTable';

/** Which modality transformation was applied, for logs and tests. */
export type AppliedModalityLut =
  | { kind: 'rescale'; slope: number; intercept: number }
  | { kind: 'lut'; entries: number }
  | { kind: 'none' };

/**
 * Stored values to modality values (Hounsfield units for CT), in place (PS3.3 C.11.1): the Modality LUT Sequence
 * when present, else Rescale Slope and Intercept, taken for enhanced objects from the frame's Pixel Value
 * Transformation functional group (C.7.6.16.2.9). Missing or zero slope means 1: a zero slope would erase the image.
 */
export function modalityLut(
  values: Float32Array,
  dataset: NaturalizedDataset,
  frameIndex: number,
  signedInput: boolean,
): AppliedModalityLut {
  const lut = lookupTable(attr.items(dataset, 'ModalityLUTSequence')[0], signedInput);
  if (lut !== undefined) {
    applyLookupTable(values, lut);
    return { kind: 'lut', entries: lut.data.length };
  }
  const source = functionalGroupItem(dataset, frameIndex, 'PixelValueTransformationSequence') ?? dataset;
  const rawSlope = attr.number(source, 'RescaleSlope');
  const slope = rawSlope === undefined || rawSlope === 0 ? 1 : rawSlope;
  const intercept = attr.number(source, 'RescaleIntercept') ?? 0;
  if (slope === 1 && intercept === 0) return { kind: 'none' };
  for (let i = 0; i < values.length; i += 1) values[i] = values[i] * slope + intercept;
  return { kind: 'rescale', slope, intercept };
}
