import { attr, type NaturalizedDataset } from '@lungflow/dicom';

/** The physical size of a source image's pixels, with its size in pixels (what mm² areas are computed from). */
export interface SourceSpacing {
  rows: number;
  columns: number;
  /** Spacing between rows (the first value of Pixel Spacing, PS3.3 10.7.1.3), mm. */
  rowSpacingMm: number;
  /** Spacing between columns (the second value), mm. */
  columnSpacingMm: number;
}

/**
 * The pixel spacing lesion areas may be given in (README rule 7): Pixel Spacing (0028,0030), else Imager Pixel
 * Spacing (0018,1164), with Rows and Columns; null when neither is there or usable.
 *
 * Also null for a picture wrapped as DICOM: its spacing is nominal (libs/dicom wrapImageAsDicom writes a 430 mm
 * detector for every PNG/JPEG), and a nominal mm² is worse than none. Such images say SECONDARY in Image Type value 2
 * (PS3.3 C.7.6.1.1.2: created after the examination, e.g. a digitised figure), which no acquisition's geometry does.
 * A Secondary Capture object that states Pixel Spacing keeps it: that attribute claims a spacing in the patient (the
 * RSNA/NIH radiographs in ../shared/data are SC objects with their detector's 0.168 mm).
 */
export function sourcePixelSpacing(dataset: NaturalizedDataset): SourceSpacing | null {
  const imageType = attr.strings(dataset, 'ImageType').map((v) => v.toUpperCase());
  if (imageType[1] === 'SECONDARY') return null;
  const rows = attr.number(dataset, 'Rows');
  const columns = attr.number(dataset, 'Columns');
  if (!rows || !columns) return null;
  for (const keyword of ['PixelSpacing', 'ImagerPixelSpacing']) {
    const [rowSpacingMm, columnSpacingMm] = attr.numbers(dataset, keyword);
    if (rowSpacingMm !== undefined && columnSpacingMm !== undefined && rowSpacingMm > 0 && columnSpacingMm > 0) return { rows, columns, rowSpacingMm, columnSpacingMm };
  }
  return null;
}
