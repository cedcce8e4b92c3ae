import type { NaturalizedDataset } from '../read';

/** A result object, ready to STOW: its data set, its Part-10 bytes and the UIDs it was filed under. */
export interface WrittenResult {
  dataset: NaturalizedDataset;
  part10: Uint8Array;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
}
