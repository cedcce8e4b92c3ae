import { attr, type NaturalizedDataset } from '../read';
import { sourceInstance } from './resultHeader';
import type { BinaryMask, ReviewResult } from './ReviewResult';
import { reviewHeader } from './reviewHeader';
import { codeItem } from './srItems';
import { writePart10 } from './writePart10';
import type { WrittenResult } from './WrittenResult';

export const SEGMENTATION_STORAGE = '1.2.840.10008.5.1.4.1.1.66.4';
export const REVIEW_SEG_SERIES_NUMBER = 9911;
/** The one segment of a review SEG. */
export const LESION_SEGMENT_NUMBER = 1;

const SCT = (value: string, meaning: string) => ({ value, scheme: 'SCT', meaning });
const LESION = {
  category: SCT('49755003', 'Morphologically Altered Structure'),
  type: SCT('52988006', 'Lesion'),
  region: SCT('39607008', 'Lung'),
};

/** Packs a 0/1-per-pixel mask into 1-bit Pixel Data (PS3.5 §8.1.1: first pixel in the least significant bit), even length. */
export function packBits(mask: BinaryMask): Uint8Array {
  const pixels = mask.rows * mask.columns;
  if (mask.data.length !== pixels) throw new RangeError(`mask has ${mask.data.length} values for ${mask.rows}×${mask.columns} pixels`);
  const bytes = Math.ceil(pixels / 8);
  const out = new Uint8Array(bytes + (bytes % 2));
  for (let i = 0; i < pixels; i += 1) if (mask.data[i]) out[i >> 3] = (out[i >> 3] as number) | (1 << (i & 7));
  return out;
}

/** The inverse of packBits: one byte (0/1) per pixel. */
export function unpackBits(packed: Uint8Array, rows: number, columns: number): Uint8Array {
  const out = new Uint8Array(rows * columns);
  for (let i = 0; i < out.length; i += 1) out[i] = ((packed[i >> 3] as number) >> (i & 7)) & 1;
  return out;
}

/**
 * A binary DICOM Segmentation (PS3.3 A.51) of the reviewer's lesion outline on the source image: one segment
 * ("Lesion", manual), one frame on the source's grid. Projection radiographs have no Frame of Reference, so the frame
 * is tied to the source by the Derivation Image functional group instead of plane position (PS3.3 C.7.6.16.2.6);
 * a source with a Frame of Reference (CT) also gets it and its pixel measures, position and orientation.
 */
export function segmentation(review: ReviewResult): WrittenResult {
  const { source, lesionMask } = review;
  const rows = attr.number(source, 'Rows');
  const columns = attr.number(source, 'Columns');
  if (rows !== lesionMask.rows || columns !== lesionMask.columns) {
    throw new RangeError(`mask is ${lesionMask.rows}×${lesionMask.columns} but the source image is ${rows}×${columns}`);
  }
  const header = reviewHeader(review, 'review-seg', SEGMENTATION_STORAGE, REVIEW_SEG_SERIES_NUMBER);
  const ref = sourceInstance(source);
  const sourceImage = {
    ReferencedSOPClassUID: ref.sopClassUid,
    ReferencedSOPInstanceUID: ref.sopInstanceUid,
    PurposeOfReferenceCodeSequence: [codeItem({ value: '121322', scheme: 'DCM', meaning: 'Source image for image processing operation' })],
  };
  const derivation = {
    DerivationImageSequence: [
      { SourceImageSequence: [sourceImage], DerivationCodeSequence: [codeItem({ value: '113076', scheme: 'DCM', meaning: 'Segmentation' })] },
    ],
  };
  const frameOfReference = attr.string(source, 'FrameOfReferenceUID');
  const position = attr.numbers(source, 'ImagePositionPatient');
  const orientation = attr.numbers(source, 'ImageOrientationPatient');
  const spacing = attr.numbers(source, 'PixelSpacing');
  const geometry = frameOfReference && position.length === 3 && orientation.length === 6 && spacing.length === 2;
  const shared: NaturalizedDataset = geometry
    ? {
        PixelMeasuresSequence: [{ PixelSpacing: spacing, SliceThickness: attr.number(source, 'SliceThickness') ?? 1 }],
        PlaneOrientationSequence: [{ ImageOrientationPatient: orientation }],
      }
    : {};
  const dimensionOrganizationUid = `${header.sopInstanceUid}.1`.length <= 64 ? `${header.sopInstanceUid}.1` : header.sopInstanceUid;
  const dataset: NaturalizedDataset = {
    ...header.dataset,
    Modality: 'SEG',
    // Without a Frame of Reference, General Image wants Patient Orientation (Type 2C): the source's, or empty.
    ...(geometry ? { FrameOfReferenceUID: frameOfReference, PositionReferenceIndicator: '' } : { PatientOrientation: source.PatientOrientation ?? '' }),
    ImageType: ['DERIVED', 'PRIMARY'],
    ContentLabel: 'LESION',
    ContentDescription: 'Lesion outline corrected by a radiologist',
    ContentCreatorName: review.reviewer.displayName,
    SegmentationType: 'BINARY',
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: rows,
    Columns: columns,
    BitsAllocated: 1,
    BitsStored: 1,
    HighBit: 0,
    PixelRepresentation: 0,
    LossyImageCompression: '00',
    NumberOfFrames: 1,
    SegmentSequence: [
      {
        SegmentNumber: LESION_SEGMENT_NUMBER,
        SegmentLabel: 'Lesion',
        SegmentAlgorithmType: 'MANUAL',
        SegmentedPropertyCategoryCodeSequence: [codeItem(LESION.category)],
        SegmentedPropertyTypeCodeSequence: [codeItem(LESION.type)],
        AnatomicRegionSequence: [codeItem(LESION.region)],
      },
    ],
    DimensionOrganizationSequence: [{ DimensionOrganizationUID: dimensionOrganizationUid }],
    DimensionIndexSequence: [
      {
        DimensionOrganizationUID: dimensionOrganizationUid,
        DimensionIndexPointer: '0062000B',
        FunctionalGroupPointer: '0062000A',
        DimensionDescriptionLabel: 'Segment',
      },
    ],
    SharedFunctionalGroupsSequence: [shared],
    PerFrameFunctionalGroupsSequence: [
      {
        ...derivation,
        FrameContentSequence: [{ DimensionIndexValues: [LESION_SEGMENT_NUMBER] }],
        SegmentIdentificationSequence: [{ ReferencedSegmentNumber: LESION_SEGMENT_NUMBER }],
        ...(geometry ? { PlanePositionSequence: [{ ImagePositionPatient: position }] } : {}),
      },
    ],
    ReferencedSeriesSequence: [
      { SeriesInstanceUID: ref.seriesInstanceUid, ReferencedInstanceSequence: [{ ReferencedSOPClassUID: ref.sopClassUid, ReferencedSOPInstanceUID: ref.sopInstanceUid }] },
    ],
    PixelData: packBits(lesionMask).buffer,
  };
  return { dataset, part10: writePart10(dataset, { PixelData: 'OB' }), studyInstanceUid: header.studyInstanceUid, seriesInstanceUid: header.seriesInstanceUid, sopInstanceUid: header.sopInstanceUid };
}
