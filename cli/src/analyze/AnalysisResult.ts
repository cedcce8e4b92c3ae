import type { Aggregate, Classification, ModelIdentity } from '@lungflow/inference';

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
}

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
      studyInstanceUid?: string;
      images?: ImageResult[];
      /** Images of the study that were not analysed, and why (a lateral view, a scout, a non-chest series). */
      skipped?: { file: string; reason: string }[];
      outputs: Record<string, string | string[]>;
    }
  | { input: string; ok: false; error: { code: string; message: string } };
