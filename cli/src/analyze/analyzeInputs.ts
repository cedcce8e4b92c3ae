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
}

function failure(input: string, error: unknown): AnalysisResult {
  const code = error instanceof LungFlowError ? error.code : 'UNEXPECTED';
  const message = error instanceof Error ? error.message : String(error);
  return { input, ok: false, error: { code, message } };
}

async function analyzeOne(input: AnalysisInput, options: AnalyzeOptions): Promise<AnalysisResult> {
  try {
    if (input.kind === 'invalid') return { input: input.input, ok: false, error: { code: 'INPUT_INVALID', message: input.reason } };
    if (input.kind === 'picture') return await analyzePicture(input.file, input.input, options.modality, options.models, options.outputs);
    return await analyzeDicomStudy(input, options.models, options.outputs);
  } catch (error) {
    return failure(input.input, error);
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
