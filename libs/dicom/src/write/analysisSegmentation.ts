import { attr } from '../read';
import type { AnalysisResult } from './AnalysisResult';
import type { FindingsMask } from './LesionFindings';
import { resultHeader } from './resultHeader';
import type { BinaryMask } from './ReviewResult';
import { SEGMENT_CODES } from './segmentation';
import { segmentationDataset, SEGMENTATION_STORAGE } from './segmentationDataset';
import { writePart10 } from './writePart10';
import type { WrittenResult } from './WrittenResult';

export const SEG_SERIES_NUMBER = 9903;
/** Segment numbers of the analysis SEG; the SR's Referenced Segment items point at them. */
export const ANALYSIS_SEGMENTS = { lung: 1, lesion: 2 } as const;

/**
 * Nearest-neighbour resampling of a model-grid mask to the image grid. The model input is the whole image resized
 * (not cropped or letterboxed), so model cell (x, y) covers image pixels x·W/w .. (x+1)·W/w: each image pixel takes
 * the cell its centre falls in.
 */
export function resampleNearest(mask: FindingsMask, rows: number, columns: number): BinaryMask {
  if (mask.data.length !== mask.width * mask.height) throw new RangeError(`mask has ${mask.data.length} values for ${mask.width}×${mask.height}`);
  const data = new Uint8Array(rows * columns);
  const sourceColumn = new Int32Array(columns);
  for (let x = 0; x < columns; x += 1) sourceColumn[x] = Math.min(mask.width - 1, Math.floor(((x + 0.5) * mask.width) / columns));
  for (let y = 0; y < rows; y += 1) {
    const sy = Math.min(mask.height - 1, Math.floor(((y + 0.5) * mask.height) / rows));
    const from = sy * mask.width;
    const to = y * columns;
    for (let x = 0; x < columns; x += 1) data[to + x] = mask.data[from + (sourceColumn[x] as number)] ? 1 : 0;
  }
  return { rows, columns, data };
}

/**
 * The model's lung and lesion masks as a binary DICOM Segmentation (PS3.3 A.51) of the analysed image: segment 1
 * "Lung" (SCT 39607008, Anatomical Structure), segment 2 "Lesion" (SCT 52988006, Morphologically Altered Structure,
 * in the lung), both AUTOMATIC with the model as algorithm. The masks come on the model grid and are resampled
 * (nearest) to the image's Rows × Columns, one frame per segment; the frames reference the image as the review SEG
 * does (segmentationDataset). Filed in its own series with UIDs derived like the SR's and SC's (kind `seg`), so
 * writing the same result twice overwrites.
 */
export function analysisSegmentation(result: AnalysisResult): WrittenResult {
  const { lesions, source, model } = result;
  if (!lesions) throw new RangeError('analysisSegmentation needs a result with lesions');
  const rows = attr.number(source, 'Rows');
  const columns = attr.number(source, 'Columns');
  if (!rows || !columns) throw new RangeError('source data set has no Rows or Columns');
  const header = resultHeader(result, 'seg', SEGMENTATION_STORAGE, SEG_SERIES_NUMBER);
  const algorithm = { type: 'AUTOMATIC' as const, name: `${model.name} ${model.version}` };
  const dataset = segmentationDataset({
    header,
    source,
    ...(result.frame ? { frame: result.frame } : {}),
    contentLabel: 'LUNGFLOW',
    contentDescription: 'AI lung and lesion segmentation, not for diagnosis',
    contentCreatorName: '',
    segments: [
      { number: ANALYSIS_SEGMENTS.lung, label: 'Lung', category: SEGMENT_CODES.anatomicalStructure, type: SEGMENT_CODES.lung, algorithm, mask: resampleNearest(lesions.lungMask, rows, columns) },
      {
        number: ANALYSIS_SEGMENTS.lesion,
        label: 'Lesion',
        category: SEGMENT_CODES.morphologicallyAltered,
        type: SEGMENT_CODES.lesion,
        region: SEGMENT_CODES.lung,
        algorithm,
        mask: resampleNearest(lesions.lesionMask, rows, columns),
      },
    ],
  });
  dataset.SeriesDescription = `AI segmentation (${model.name} ${model.version}), not for diagnosis`.slice(0, 64);
  dataset.DerivationDescription = `Lung and lesion masks of ${model.name} ${model.version} on the model grid (${lesions.lungMask.width}×${lesions.lungMask.height}), resampled nearest to the image; lesions: ${lesions.supervision}`.slice(0, 1024);
  return { dataset, part10: writePart10(dataset, { PixelData: 'OB' }), studyInstanceUid: header.studyInstanceUid, seriesInstanceUid: header.seriesInstanceUid, sopInstanceUid: header.sopInstanceUid };
}
