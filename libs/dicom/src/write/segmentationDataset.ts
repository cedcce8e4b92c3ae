import { packBitFrames } from '@lungflow/contracts';
import { attr, type NaturalizedDataset } from '../read';
import type { Code } from './AnalysisResult';
import { sourceImage } from './resultHeader';
import type { BinaryMask } from './ReviewResult';
import { codeItem } from './srItems';

export const SEGMENTATION_STORAGE = '1.2.840.10008.5.1.4.1.1.66.4';

/** One segment of a binary SEG: its description (PS3.3 C.8.20.2 Segment Sequence) and its one frame. */
export interface SegmentFrame {
  number: number;
  label: string;
  category: Code;
  type: Code;
  region?: Code;
  algorithm: { type: 'MANUAL' } | { type: 'AUTOMATIC' | 'SEMIAUTOMATIC'; name: string };
  /** On the source's Rows × Columns. */
  mask: BinaryMask;
}

export interface SegmentationContent {
  /** Patient, study, series, equipment and UIDs of the SEG (resultHeader or reviewHeader). */
  header: { dataset: NaturalizedDataset; sopInstanceUid: string };
  /** The image the frames lie on. */
  source: NaturalizedDataset;
  /** For a multi-frame source: the 1-based frame the masks lie on (1 when absent). */
  frame?: number;
  contentLabel: string;
  contentDescription: string;
  contentCreatorName: string;
  segments: readonly SegmentFrame[];
}

/**
 * Packs 0/1-per-pixel masks into 1-bit Pixel Data (PS3.5 §8.1.1: first pixel in the least significant bit).
 * Frames follow each other bit by bit with no padding between them (PS3.5 §8.1.1, multi-frame 1-bit data); the
 * whole value is padded to even length.
 */
export function packFrames(masks: readonly BinaryMask[]): Uint8Array {
  for (const mask of masks) {
    if (mask.data.length !== mask.rows * mask.columns) throw new RangeError(`mask has ${mask.data.length} values for ${mask.rows}×${mask.columns} pixels`);
  }
  // The same packing as the event masks (libs/contracts bits.ts): one implementation of PS3.5 §8.1.1.
  return packBitFrames(masks.map((mask) => mask.data));
}

/**
 * A binary DICOM Segmentation (PS3.3 A.51) on the source image: one frame per segment, each on the source's grid.
 * Projection radiographs have no Frame of Reference, so each frame is tied to the source by the Derivation Image
 * functional group instead of plane position (PS3.3 C.7.6.16.2.6), with the identity plane orientation; a source
 * with a Frame of Reference (CT) also gets it and its pixel measures, position and orientation. Shared by the review SEG and the analysis SEG.
 */
export function segmentationDataset(content: SegmentationContent): NaturalizedDataset {
  const { header, source, segments } = content;
  const rows = attr.number(source, 'Rows');
  const columns = attr.number(source, 'Columns');
  if (segments.length === 0) throw new RangeError('a SEG needs at least one segment');
  for (const { label, mask } of segments) {
    if (rows !== mask.rows || columns !== mask.columns) throw new RangeError(`mask is ${mask.rows}×${mask.columns} but the source image is ${rows}×${columns} (segment "${label}")`);
  }
  // A multi-frame source's frame goes into each frame's Source Image (Referenced Frame Number, PS3.3 Table 10-3):
  // OHIF's SEG loader maps a SEG frame to `…/frames/<n>` of the source by it. Not into Referenced Series >
  // Referenced Instance: that is the SOP Instance Reference Macro (Table 10-11), which has no frame number (dciodvfy
  // warns "not present in standard DICOM IOD").
  const ref = sourceImage(source, content.frame);
  const referencedFrame = ref.frame ? { ReferencedFrameNumber: ref.frame } : {};
  const sourceImageItem = {
    ReferencedSOPClassUID: ref.sopClassUid,
    ReferencedSOPInstanceUID: ref.sopInstanceUid,
    ...referencedFrame,
    PurposeOfReferenceCodeSequence: [codeItem({ value: '121322', scheme: 'DCM', meaning: 'Source image for image processing operation' })],
  };
  const derivation = {
    DerivationImageSequence: [
      { SourceImageSequence: [sourceImageItem], DerivationCodeSequence: [codeItem({ value: '113076', scheme: 'DCM', meaning: 'Segmentation' })] },
    ],
  };
  const frameOfReference = attr.string(source, 'FrameOfReferenceUID');
  const { position, orientation, spacing, sliceThickness } = frameGeometry(source, ref.frame);
  const geometry = frameOfReference && position.length === 3 && orientation.length === 6 && spacing.length === 2;
  const shared: NaturalizedDataset = geometry
    ? {
        PixelMeasuresSequence: [{ PixelSpacing: spacing, SliceThickness: sliceThickness ?? 1 }],
        PlaneOrientationSequence: [{ ImageOrientationPatient: orientation }],
      }
    : // No Frame of Reference: the identity orientation says only that the frame lies on the image's own rows and
      // columns. OHIF's SEG loader (@cornerstonejs/adapters) needs an orientation to match frames to the image and
      // throws without one; cornerstone gives such images the same identity orientation. dciodvfy accepts it.
      { PlaneOrientationSequence: [{ ImageOrientationPatient: [1, 0, 0, 0, 1, 0] }] };
  const dimensionOrganizationUid = `${header.sopInstanceUid}.1`.length <= 64 ? `${header.sopInstanceUid}.1` : header.sopInstanceUid;
  return {
    ...header.dataset,
    Modality: 'SEG',
    // Without a Frame of Reference, General Image wants Patient Orientation (Type 2C): the source's, or empty.
    ...(geometry ? { FrameOfReferenceUID: frameOfReference, PositionReferenceIndicator: '' } : { PatientOrientation: source.PatientOrientation ?? '' }),
    ImageType: ['DERIVED', 'PRIMARY'],
    ContentLabel: content.contentLabel,
    ContentDescription: content.contentDescription.slice(0, 64),
    ContentCreatorName: content.contentCreatorName,
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
    NumberOfFrames: segments.length,
    SegmentSequence: segments.map((s) => ({
      SegmentNumber: s.number,
      SegmentLabel: s.label,
      SegmentAlgorithmType: s.algorithm.type,
      ...(s.algorithm.type === 'MANUAL' ? {} : { SegmentAlgorithmName: s.algorithm.name.slice(0, 64) }),
      SegmentedPropertyCategoryCodeSequence: [codeItem(s.category)],
      SegmentedPropertyTypeCodeSequence: [codeItem(s.type)],
      ...(s.region ? { AnatomicRegionSequence: [codeItem(s.region)] } : {}),
    })),
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
    PerFrameFunctionalGroupsSequence: segments.map((s) => ({
      ...derivation,
      FrameContentSequence: [{ DimensionIndexValues: [s.number] }],
      SegmentIdentificationSequence: [{ ReferencedSegmentNumber: s.number }],
      ...(geometry ? { PlanePositionSequence: [{ ImagePositionPatient: position }] } : {}),
    })),
    ReferencedSeriesSequence: [
      { SeriesInstanceUID: ref.seriesInstanceUid, ReferencedInstanceSequence: [{ ReferencedSOPClassUID: ref.sopClassUid, ReferencedSOPInstanceUID: ref.sopInstanceUid }] },
    ],
    PixelData: packFrames(segments.map((s) => s.mask)).buffer,
  };
}

/**
 * Plane position, orientation and pixel measures of one frame of the source: the classic top-level attributes, else
 * (enhanced multi-frame objects, PS3.3 C.7.6.16) the frame's Per-Frame Functional Group, else the Shared one.
 */
function frameGeometry(source: NaturalizedDataset, frame: number | undefined) {
  const shared = attr.items(source, 'SharedFunctionalGroupsSequence')[0];
  const perFrame = attr.items(source, 'PerFrameFunctionalGroupsSequence')[(frame ?? 1) - 1];
  const macro = (keyword: string) => attr.items(perFrame, keyword)[0] ?? attr.items(shared, keyword)[0];
  const either = (keyword: string, sequence: string, n: number) => {
    const top = attr.numbers(source, keyword);
    return top.length === n ? top : attr.numbers(macro(sequence), keyword);
  };
  return {
    position: either('ImagePositionPatient', 'PlanePositionSequence', 3),
    orientation: either('ImageOrientationPatient', 'PlaneOrientationSequence', 6),
    spacing: either('PixelSpacing', 'PixelMeasuresSequence', 2),
    sliceThickness: attr.number(source, 'SliceThickness') ?? attr.number(macro('PixelMeasuresSequence'), 'SliceThickness'),
  };
}
