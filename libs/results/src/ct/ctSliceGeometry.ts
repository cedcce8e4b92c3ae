import { attr, functionalGroupItem, type NaturalizedDataset } from '@lungflow/dicom';

/** What CT lung measurements need from one slice's header (classic CT, or one frame of an enhanced CT). */
export interface CtSliceGeometry {
  /**
   * Whether the modality values are Hounsfield units: a CT whose Rescale Type (the frame's Pixel Value
   * Transformation for enhanced objects) is HU or absent (HU is the CT default), or whose Modality LUT says HU.
   * False for pictures wrapped as CT (libs/dicom wrapImageAsDicom writes US) and derived maps such as perfusion.
   */
  hounsfield: boolean;
  rows: number;
  columns: number;
  /** Pixel Spacing (0028,0030), per frame from Pixel Measures for enhanced objects; null when absent. */
  rowSpacingMm: number | null;
  columnSpacingMm: number | null;
  sliceThicknessMm: number | null;
  /** Image Position (Patient) projected on the slice normal (row direction × column direction), mm. */
  positionMm: number | null;
}

function positive(value: number | undefined): number | null {
  return value !== undefined && value > 0 ? value : null;
}

/**
 * The geometry of frame `frameIndex` (0-based). Unlike sourcePixelSpacing (CXR), an Image Type of SECONDARY does not
 * drop the spacing: CT reformats (coronal/sagittal MPR) say DERIVED\SECONDARY and keep a real geometry, while
 * pictures wrapped as CT are excluded by their Rescale Type (not HU) before any spacing is used.
 */
export function ctSliceGeometry(dataset: NaturalizedDataset, frameIndex = 0): CtSliceGeometry {
  const transformation = functionalGroupItem(dataset, frameIndex, 'PixelValueTransformationSequence') ?? dataset;
  const modalityLut = attr.items(dataset, 'ModalityLUTSequence')[0];
  const rescaleType = (modalityLut ? attr.string(modalityLut, 'ModalityLUTType') : attr.string(transformation, 'RescaleType'))?.toUpperCase();
  const hounsfield = attr.string(dataset, 'Modality')?.toUpperCase() === 'CT' && (modalityLut ? rescaleType === 'HU' : rescaleType === undefined || rescaleType === 'HU');
  const measures = functionalGroupItem(dataset, frameIndex, 'PixelMeasuresSequence') ?? dataset;
  const [rowSpacing, columnSpacing] = attr.numbers(measures, 'PixelSpacing');
  const position = attr.numbers(functionalGroupItem(dataset, frameIndex, 'PlanePositionSequence') ?? dataset, 'ImagePositionPatient');
  const orientation = attr.numbers(functionalGroupItem(dataset, frameIndex, 'PlaneOrientationSequence') ?? dataset, 'ImageOrientationPatient');
  let positionMm: number | null = null;
  if (position.length === 3 && orientation.length === 6) {
    const [rx, ry, rz, cx, cy, cz] = orientation as [number, number, number, number, number, number];
    const normal = [ry * cz - rz * cy, rz * cx - rx * cz, rx * cy - ry * cx] as const;
    const length = Math.hypot(...normal);
    if (length > 0) positionMm = ((position[0] as number) * normal[0] + (position[1] as number) * normal[1] + (position[2] as number) * normal[2]) / length;
  }
  const rowSpacingMm = positive(rowSpacing);
  const columnSpacingMm = positive(columnSpacing);
  return {
    hounsfield,
    rows: attr.number(dataset, 'Rows') ?? 0,
    columns: attr.number(dataset, 'Columns') ?? 0,
    rowSpacingMm: rowSpacingMm !== null && columnSpacingMm !== null ? rowSpacingMm : null,
    columnSpacingMm: rowSpacingMm !== null && columnSpacingMm !== null ? columnSpacingMm : null,
    sliceThicknessMm: positive(attr.number(measures, 'SliceThickness')),
    positionMm,
  };
}
