import type { NaturalizedDataset } from '../read';
import type { CtSeriesLungSummary } from './lesionMeasurements';
import type { LesionFindings } from './LesionFindings';

/** A coded concept (PS3.3 §8.8). `scheme` is the Coding Scheme Designator: SCT, RADLEX, DCM, UCUM, LN... */
export interface Code {
  value: string;
  scheme: string;
  meaning: string;
}

/** The model as the model card identifies it. */
export interface ModelIdentity {
  id: string;
  name: string;
  version: string;
  /** SHA-256 of the model file, so a report names the exact weights it came from. */
  fileSha256: string;
}

/** One output class. Its code comes from the model card: the writers hard-code none. */
export interface ClassResult {
  name: string;
  code: Code;
  /** 0..1. */
  probability: number;
}

/** The operating-point decision on one class. */
export interface Decision {
  className: string;
  threshold: number;
  positive: boolean;
  /**
   * Models that can decline to call a study (v2: no lungs found, or a probability in the card's indeterminate band)
   * say `indeterminate` here; absent, `positive` decides as before.
   */
  status?: 'positive' | 'negative' | 'indeterminate';
}

/** An analysed instance, for the Image Library and the evidence sequences. */
export interface ReferencedInstance {
  sopClassUid: string;
  sopInstanceUid: string;
  seriesInstanceUid: string;
}

/**
 * One image of an analysed instance: the instance and, for a multi-frame one, the 1-based frame (written as Referenced
 * Frame Number, PS3.3 Table 10-3: required when the reference does not apply to all frames).
 */
export interface ReferencedImage extends ReferencedInstance {
  frame?: number;
}

/** Everything a writer needs: the source (its patient and study are copied) and what the model said about it. */
export interface AnalysisResult {
  /** The analysed instance's data set, naturalized (readPart10 or fromDicomWebMetadata). */
  source: NaturalizedDataset;
  /**
   * The 1-based frame of a multi-frame source that was drawn and whose findings these are (inference.completed
   * `frame`); 1 when absent. The SR's image references and the SEG's source references name it; a single-frame
   * source gets no frame number.
   */
  frame?: number;
  /** Instances analysed; defaults to the source alone. The first one names the result (see uids.ts). */
  analysedInstances?: ReferencedInstance[];
  model: ModelIdentity;
  classes: ClassResult[];
  decision: Decision;
  /**
   * Lesion quantification of the source image (models that segment lesions, cxr-v2 on). With it the SR anchors its
   * measurements to the image and analysisSegmentation writes the SEG; without it the SR is what it was before.
   */
  lesions?: LesionFindings;
  /** CT only: the analysed series' lung volume and CAM-based involvement (libs/inference/src/lesions/ct). */
  ctLungs?: CtSeriesLungSummary;
  /** LungFlow's own version, for Software Versions. */
  softwareVersion?: string;
  /** Content date and time; now by default. Injected by tests. */
  now?: Date;
}
