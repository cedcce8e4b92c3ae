import type { NaturalizedDataset } from '../read';
import type { Code, ReferencedInstance } from './AnalysisResult';

/** The person who reviewed, as the report service authenticated them. */
export interface Reviewer {
  /** Stable login name (from the user list or the authenticating proxy): part of the review's UIDs. */
  username: string;
  /** As written to Person Observer Name and Verifying Observer Name (PN). */
  displayName: string;
  /** Verifying Organization (Type 1); the deployment's institution, 'LungFlow' when unset. */
  organization?: string;
}

/** A binary mask on the source image's pixel grid, one byte per pixel (0 or 1), row-major. */
export interface BinaryMask {
  rows: number;
  columns: number;
  data: Uint8Array;
}

/** An optional severity score the reviewer entered (e.g. Brixia 0–18 for CXR, CT severity score 0–25). */
export interface SeverityScore {
  name: Code;
  value: number;
}

/** One save of a radiologist's review: what the writers need for the SEG and the review SR. */
export interface ReviewResult {
  /** The analysed instance (naturalized): the mask is on its grid, patient and study are copied from it. */
  source: NaturalizedDataset;
  reviewer: Reviewer;
  /** 1 for a reviewer's first save of this study, +1 for each later save; never reused (UIDs derive from it). */
  revision: number;
  /** The 1-based frame of a multi-frame source the mask is on (written as Referenced Frame Number); 1 when absent. */
  frame?: number;
  /** The reviewer's label (COVID-19, other pneumonia, no finding, indeterminate) as a code; the writers hard-code none. */
  label: Code;
  /** Whether the reviewer agrees with the model's decision. */
  agreesWithModel: boolean;
  /** The model's own SR this review is about. */
  modelSr?: ReferencedInstance;
  /** The previous revision's SR (Predecessor Documents), absent for revision 1. */
  previousRevision?: ReferencedInstance;
  severity?: SeverityScore[];
  /** Lesion outline as corrected by the reviewer, on the source's grid (Rows × Columns). */
  lesionMask: BinaryMask;
  softwareVersion?: string;
  now?: Date;
}
