import { unpackBitFrame } from '@lungflow/contracts';
import type { BinaryMask, ReviewResult } from './ReviewResult';
import { reviewHeader } from './reviewHeader';
import { packFrames, segmentationDataset, SEGMENTATION_STORAGE } from './segmentationDataset';
import { writePart10 } from './writePart10';
import type { WrittenResult } from './WrittenResult';

export { SEGMENTATION_STORAGE } from './segmentationDataset';
export const REVIEW_SEG_SERIES_NUMBER = 9911;
/** The one segment of a review SEG. */
export const LESION_SEGMENT_NUMBER = 1;

const SCT = (value: string, meaning: string) => ({ value, scheme: 'SCT', meaning });
/** Segment codes LungFlow's SEGs share (review and analysis). */
export const SEGMENT_CODES = {
  anatomicalStructure: SCT('91723000', 'Anatomical Structure'),
  lung: SCT('39607008', 'Lung'),
  morphologicallyAltered: SCT('49755003', 'Morphologically Altered Structure'),
  lesion: SCT('52988006', 'Lesion'),
};

/** Packs one 0/1-per-pixel mask into 1-bit Pixel Data (PS3.5 §8.1.1: first pixel in the least significant bit), even length. */
export function packBits(mask: BinaryMask): Uint8Array {
  return packFrames([mask]);
}

/** The inverse of packBits: one byte (0/1) per pixel; `offset` in pixels skips earlier frames of a multi-frame SEG. */
export function unpackBits(packed: Uint8Array, rows: number, columns: number, offset = 0): Uint8Array {
  return unpackBitFrame(packed, rows * columns, offset);
}

/**
 * A binary DICOM Segmentation (PS3.3 A.51) of the reviewer's lesion outline on the source image: one segment
 * ("Lesion", manual), one frame on the source's grid (segmentationDataset says how it is tied to the source).
 */
export function segmentation(review: ReviewResult): WrittenResult {
  const header = reviewHeader(review, 'review-seg', SEGMENTATION_STORAGE, REVIEW_SEG_SERIES_NUMBER);
  const dataset = segmentationDataset({
    header,
    source: review.source,
    ...(review.frame ? { frame: review.frame } : {}),
    contentLabel: 'LESION',
    contentDescription: 'Lesion outline corrected by a radiologist',
    contentCreatorName: review.reviewer.displayName,
    segments: [
      {
        number: LESION_SEGMENT_NUMBER,
        label: 'Lesion',
        category: SEGMENT_CODES.morphologicallyAltered,
        type: SEGMENT_CODES.lesion,
        region: SEGMENT_CODES.lung,
        algorithm: { type: 'MANUAL' },
        mask: review.lesionMask,
      },
    ],
  });
  return { dataset, part10: writePart10(dataset, { PixelData: 'OB' }), studyInstanceUid: header.studyInstanceUid, seriesInstanceUid: header.seriesInstanceUid, sopInstanceUid: header.sopInstanceUid };
}
