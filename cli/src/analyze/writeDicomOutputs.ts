import type { Aggregate, Classification, GrayImage } from '@lungflow/inference';
import type { ImageResult } from './AnalysisResult';
import type { OutputWriter } from './OutputWriter';

export interface StudyOutcome {
  study: Aggregate;
  images: ImageResult[];
  source: { file: string; image: GrayImage; classification: Classification; dataset: Record<string, unknown> };
}

/** The SR and the heatmap SC for a DICOM study (written with libs/dicom's writers). */
export async function writeDicomOutputs(_input: string, _outputs: OutputWriter, _outcome: StudyOutcome): Promise<Record<string, string>> {
  return {};
}
