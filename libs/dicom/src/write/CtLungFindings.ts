import type { FindingsMask } from './LesionFindings';

/**
 * What LungFlow measures on CT: a classical (not learned) lung segmentation of each slice in Hounsfield units, the
 * lung volume of a series, and a lesion estimate read from the classifier's class activation map inside those lungs.
 * Computed in libs/inference/src/lesions/ct (rules in libs/inference/src/lesions/README.md, "CT").
 *
 * The lesion numbers are NOT a lesion segmentation: `../shared/data` has no CT lesion masks to train or check one
 * with, so every lesion value says so in `supervision` (CT_LESION_SUPERVISION). Plain data, no onnxruntime or
 * DICOM types, so writers (SR, SEG) and the CLI can take it like LesionFindings.
 */

/** How the lungs were found, said plainly (the same text on every slice and series). */
export const CT_LUNG_METHOD =
  'Classical lung segmentation in Hounsfield units (no learned model, not validated against reference masks): air-like pixels (< -320 HU) inside the body, outside air and pure gas (trachea, bowel, sinuses) removed, holes filled.';

/** The label every CT lesion value carries. */
export const CT_LESION_SUPERVISION = 'CAM-based estimate, not a lesion segmentation (no CT lesion masks exist to train or check one)';

/** Which activation map, relative to what, marks "lesion" cells. */
export interface CtLesionMapRule {
  /** The class whose CAM is read (the card's operating-point class, `covid19` for ct-v1). */
  className: string;
  /** A lung cell is counted when its CAM is >= relativeThreshold × the CAM's maximum over the slice's lung cells. */
  relativeThreshold: number;
}

/** One analysed CT slice (a single-frame instance, or one frame of a multi-frame one). */
export interface CtSliceLungFindings {
  sopInstanceUid: string | null;
  /** 1-based, as in ImageResult and inference.completed. */
  frame: number;
  /** Position along the slice normal (Image Position · (row × column direction)), mm; null without geometry. */
  positionMm: number | null;
  /** Slice Thickness of this slice (Pixel Measures for enhanced objects), mm; null when absent. */
  sliceThicknessMm: number | null;
  lungs: {
    /** Lung area in source pixels (the grid's lung cells, each counting the source pixels it averages). */
    pixels: number;
    /** lungs.pixels / (Rows × Columns). */
    areaFraction: number;
    /** pixels × row spacing × column spacing from Pixel Spacing; null when the slice has none. */
    areaMm2: number | null;
    /** Connected lung regions kept (two lungs, more when disease splits one, 0 on a slice without lungs). */
    components: number;
  };
  lesions: {
    /** Lung pixels at or above the CAM threshold (source pixels). */
    pixels: number;
    /** lesions.pixels / lungs.pixels, 0 when the slice has no lungs or the CAM is nowhere above 0 in them. */
    fraction: number;
    areaMm2: number | null;
  };
  /**
   * The masks the numbers were measured on, on the segmentation grid: the slice averaged over factor × factor
   * blocks (factor = ceil(max(Rows, Columns) / 256)), so grid cell (x, y) covers source columns
   * [x·factor, (x+1)·factor) and rows likewise (clipped at the image edge).
   */
  gridFactor: number;
  lungMask: FindingsMask;
  lesionMask: FindingsMask;
}

/** One CT series (a volume, or however many of its slices were analysed). */
export interface CtLungFindings {
  lungs: {
    method: string;
    /**
     * Σ lung areaMm2 × sliceSpacingMm / 1000 over the analysed slices: the lung volume of the slab they cover (the
     * whole lungs only when the series covers them). null when a slice has no Pixel Spacing or no spacing is known.
     */
    volumeMl: number | null;
    /**
     * The depth each slice stands for: the median distance between consecutive distinct slice positions (≥ 2
     * positions), else the slices' Slice Thickness (one value for all), else null.
     */
    sliceSpacingMm: number | null;
    sliceSpacingFrom: 'positions' | 'SliceThickness' | null;
    slices: number;
    slicesWithLungs: number;
  };
  lesions: CtLesionMapRule & {
    supervision: string;
    /** Lesion / lung volume 0..1 (by mm² when every slice has Pixel Spacing, else by pixels; spacing cancels). */
    volumeFraction: number;
    /** volumeFraction × lung volume, mL; null when volumeMl is. */
    volumeMl: number | null;
  };
  /** Per slice, ordered by position when every slice has one, else as analysed. */
  slices: CtSliceLungFindings[];
}
