import type { Aggregate, Classification, ModelIdentity } from '@lungflow/inference';
import type { CtLungsJson, LesionsJson } from './lesionsJson';

/** One image's result inside a DICOM study (an instance, and a frame of it for multi-frame objects). */
export interface ImageResult {
  file: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  frame: number;
  task: 'cxr' | 'ct';
  model: ModelIdentity;
  probabilities: Record<string, number>;
  decision: Classification['decision'];
  /** Models that segment (v2): the share of the model's lung map above the card's threshold (what the no-lungs rule uses). */
  lungs?: { areaFraction: number };
  /**
   * CXR with a model that segments: lesion area per lung, zone and in total (mm² only with the file's own (Imager)
   * Pixel Spacing, null for wrapped pictures), severity and clinical predictions, and what supervised them.
   */
  lesions?: LesionsJson;
}

/**
 * One CT series of a DICOM study: the classical lung segmentation's volume and the CAM-based lesion estimate
 * (labelled as such in `lesions.supervision`), with the per-slice list (libs/inference lesions/README.md "CT").
 * `lungs` and `lesions` are null when no slice of the series is in Hounsfield units (`reason` says so).
 */
export type SeriesResult = { seriesInstanceUid: string; task: 'ct' } & (CtLungsJson | { lungs: null; lesions: null; slices: []; reason: string });

/** What one `--json` line holds: the verdict for one input, or why it failed. */
export type AnalysisResult =
  | {
      input: string;
      ok: true;
      kind: 'picture' | 'dicom';
      task: 'cxr' | 'ct';
      model: ModelIdentity;
      probabilities: Record<string, number>;
      decision: Classification['decision'];
      /** How image results became this verdict (a picture is one image: "single"). */
      aggregation: Aggregate['method'];
      analysedImages: number;
      /** A picture analysed by a model that segments (v2); DICOM studies have it per image. */
      lungs?: { areaFraction: number };
      /** A picture analysed by a CXR model that segments (areas in mm² always null: a picture has no spacing). */
      lesions?: LesionsJson;
      studyInstanceUid?: string;
      images?: ImageResult[];
      /** DICOM studies with CT: per CT series, lung volume and the CAM-based lesion estimate. */
      series?: SeriesResult[];
      /** Images of the study that were not analysed, and why (a lateral view, a scout, a non-chest series). */
      skipped?: { file: string; reason: string }[];
      outputs: Record<string, string | string[]>;
    }
  | { input: string; ok: false; error: { code: string; message: string } };
