import { attr, type NaturalizedDataset } from '../read/attr';

/**
 * Where a frame's attributes live in an enhanced multi-frame object (PS3.3 C.7.6.16): the frame's item of the
 * Per-Frame Functional Groups Sequence, else the Shared one; for classic objects, the top-level data set.
 * Returns the first item of `macroSequence` (e.g. PixelValueTransformationSequence) found in that order.
 */
export function functionalGroupItem(
  dataset: NaturalizedDataset,
  frameIndex: number,
  macroSequence: string,
): NaturalizedDataset | undefined {
  const perFrame = attr.items(dataset, 'PerFrameFunctionalGroupsSequence')[frameIndex];
  const shared = attr.items(dataset, 'SharedFunctionalGroupsSequence')[0];
  for (const group of [perFrame, shared]) {
    const item = attr.items(group, macroSequence)[0];
    if (item !== undefined) return item;
  }
  return undefined;
}
