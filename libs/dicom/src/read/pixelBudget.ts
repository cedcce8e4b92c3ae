import { DicomError } from '../errors';
import { attr, type NaturalizedDataset } from './attr';
import type { ReadLimits } from './readLimits';

/**
 * Refuses an instance whose pixel matrix is over the caps, from its header alone, so that nothing the size of
 * the matrix is ever allocated for it. Attributes that are absent or nonsensical are left to renderFrame, which
 * names them; this check only guards the size.
 */
export function pixelBudget(dataset: NaturalizedDataset, limits: ReadLimits, sopInstanceUid?: string): void {
  const rows = attr.number(dataset, 'Rows') ?? 0;
  const columns = attr.number(dataset, 'Columns') ?? 0;
  const frames = Math.max(1, attr.number(dataset, 'NumberOfFrames') ?? 1);
  const framePixels = rows * columns;
  if (framePixels > limits.maxFramePixels) {
    throw new DicomError(
      'DICOM_TOO_LARGE',
      `a frame of ${rows} × ${columns} pixels is over the cap of ${limits.maxFramePixels} pixels per frame`,
      { sopInstanceUid, rows, columns, maxFramePixels: limits.maxFramePixels },
    );
  }
  if (framePixels * frames > limits.maxTotalPixels) {
    throw new DicomError(
      'DICOM_TOO_LARGE',
      `${rows} × ${columns} × ${frames} frames is over the cap of ${limits.maxTotalPixels} pixels per instance`,
      { sopInstanceUid, rows, columns, frames, maxTotalPixels: limits.maxTotalPixels },
    );
  }
}
