import { LungFlowError } from '@lungflow/errors';
import type { ModelSet, Task } from '@lungflow/inference';
import type { AnalysisInput } from './collectInputs';
import type { AnalysisResult } from './AnalysisResult';
import type { OutputWriter } from './OutputWriter';
import { analyzePicture } from './analyzePicture';
import { analyzeDicomStudy } from './analyzeDicomStudy';

export interface AnalyzeOptions {
  modality: Task;
  models: ModelSet;
  outputs: OutputWriter;
  /** Inputs in flight at once; more than one lets the model see batches. */
  concurrency: number;
  /** Called once per input, in input order, as soon as that input and all before it are done. */
  onResult: (result: AnalysisResult) => void;
  /** Called with the number of files just finished (a picture, a DICOM file of a study, or a refused path). */
  onFiles?: (count: number) => void;
}

/** How many files an input stands for: what the progress bar counts, so one 500-slice CT study moves it too. */
export function fileCount(input: AnalysisInput): number {
  return input.kind === 'dicom' ? input.files.length : 1;
}

function failure(input: string, error: unknown): AnalysisResult {
  const code = error instanceof LungFlowError ? error.code : 'UNEXPECTED';
  const message = error instanceof Error ? error.message : String(error);
  return { input, ok: false, error: { code, message } };
}

async function analyzeOne(input: AnalysisInput, options: AnalyzeOptions): Promise<AnalysisResult> {
  let counted = 0;
  const onFile = (): void => {
    counted += 1;
    options.onFiles?.(1);
  };
  try {
    if (input.kind === 'invalid') return { input: input.input, ok: false, error: { code: 'INPUT_INVALID', message: input.reason } };
    if (input.kind === 'picture') return await analyzePicture(input.file, input.input, options.modality, options.models, options.outputs);
    return await analyzeDicomStudy(input, options.models, options.outputs, onFile);
  } catch (error) {
    return failure(input.input, error);
  } finally {
    options.onFiles?.(fileCount(input) - counted);
  }
}

/** Runs every input (a failure is a result, never a stop) and reports them in input order. */
export async function analyzeInputs(inputs: readonly AnalysisInput[], options: AnalyzeOptions): Promise<AnalysisResult[]> {
  const results: (AnalysisResult | undefined)[] = new Array(inputs.length);
  let next = 0;
  let reported = 0;
  const worker = async (): Promise<void> => {
    while (next < inputs.length) {
      const index = next;
      next += 1;
      results[index] = await analyzeOne(inputs[index], options);
      while (reported < inputs.length && results[reported]) {
        options.onResult(results[reported] as AnalysisResult);
        reported += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, inputs.length)) }, worker));
  return results as AnalysisResult[];
}
