/**
 * What the lesion quantification measured on one analysed image, as the writers (SR, SEG) and the CLI's JSON take it.
 * Computed in libs/inference/src/lesions from the model's `lungs` and `cam` outputs and the release's `lesions.json`
 * (see libs/inference/src/lesions/README.md for the exact rules, which training/ reproduces in Python).
 *
 * Plain data with no onnxruntime or DICOM types, so libs/dicom can write it without depending on libs/inference.
 */

/** Brixia zones: each lung split into thirds of its own height. A–C the patient's right lung, D–F the left. */
export type LungZone = 'rightUpper' | 'rightMiddle' | 'rightLower' | 'leftUpper' | 'leftMiddle' | 'leftLower';
export type LungSide = 'right' | 'left';

export interface RegionMeasurement {
  /** Lesion pixels / lung pixels in this region, 0..1 (0 when the region has no lung pixels). */
  areaFraction: number;
  /** Lesion area in mm², only when the source's (Imager) Pixel Spacing is known; null otherwise (never nominal). */
  areaMm2: number | null;
}

export interface ZoneMeasurement extends RegionMeasurement {
  /** Predicted Brixia zone score 0..3 (continuous), or null when the release ships no severity model. */
  brixia: number | null;
}

/** A prediction of a clinical indicator regressed from the lesion measurements. */
export interface ClinicalPrediction {
  /** Stable id, e.g. `crp`. */
  id: string;
  display: string;
  /** UCUM unit code, e.g. `mg/L`. */
  unit: string;
  /** null when the release marks the indicator not estimable (too few patients to fit it honestly). */
  value: number | null;
  /** Id of the regression that produced it (`<release>/lesions/<id>`), for provenance in SR/FHIR. */
  modelId: string;
}

/** A binary mask on the model-input grid, stretched over the whole image (the model input is the image resized). */
export interface FindingsMask {
  width: number;
  height: number;
  /** 0 or 1 per pixel, row-major. */
  data: Uint8Array;
}

export interface LesionFindings {
  /** How the lesion map was obtained, said plainly (e.g. weakly supervised from the CAM: no lesion masks exist). */
  supervision: string;
  total: RegionMeasurement;
  lungs: Record<LungSide, RegionMeasurement>;
  zones: Record<LungZone, ZoneMeasurement>;
  severity: {
    /** Cohen et al. geographic extent 0..8, null without a model. */
    extent: number | null;
    /** Cohen et al. opacity 0..6, null without a model. */
    opacity: number | null;
    /** Brixia global 0..18 (sum of the zone predictions), null without a model. */
    brixiaGlobal: number | null;
  };
  clinical: ClinicalPrediction[];
  /** The lung and lesion masks the numbers were measured on (for the SEG and the CLI's PNGs). */
  lungMask: FindingsMask;
  lesionMask: FindingsMask;
  /** The CAM's peak inside the lungs, as a fraction of the image's width and height (0..1), for an SR POINT. */
  peak: { x: number; y: number } | null;
}
