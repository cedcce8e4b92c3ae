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
  /**
   * Most inputs started but not yet reported (default 8 × concurrency): results are reported in input order, so a
   * slow input (a 500-slice CT) holds back the ones after it; this caps how many wait, and so the memory they hold.
   */
  window?: number;
  /**
   * Called once per input, in input order, as soon as that input and all before it are done. A returned promise
   * (stdout is full) holds the next report back, and with it, through the window, the next input.
   */
  onResult: (result: AnalysisResult) => void | Promise<void>;
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

/** Wakes every waiting worker when the reported count moves on (or the inputs run out). */
class Signal {
  private waiters: (() => void)[] = [];
  wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  wakeAll(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }
}

/**
 * Runs every input (a failure is a result, never a stop) and reports them in input order. Inputs are pulled from
 * the iterable only as a worker becomes free, so a folder of a million files is walked as it is analysed; at most
 * `concurrency` inputs run and at most `window` are started ahead of the oldest unreported one.
 */
export async function analyzeInputs(inputs: AsyncIterable<AnalysisInput>, options: AnalyzeOptions): Promise<void> {
  const iterator = inputs[Symbol.asyncIterator]();
  const concurrency = Math.max(1, options.concurrency);
  const window = Math.max(concurrency, options.window ?? concurrency * 8);
  const finished = new Map<number, AnalysisResult>();
  const advanced = new Signal();
  let started = 0;
  let reported = 0;
  let exhausted = false;
  let flushing = false;

  // One flusher at a time; a worker that finds one running leaves its result to it (checked without an await in
  // between, so nothing is missed).
  const flush = async (): Promise<void> => {
    if (flushing) return;
    flushing = true;
    try {
      for (let result = finished.get(reported); result; result = finished.get(reported)) {
        finished.delete(reported);
        reported += 1;
        await options.onResult(result);
        advanced.wakeAll();
      }
    } finally {
      flushing = false;
    }
  };

  const worker = async (): Promise<void> => {
    for (;;) {
      while (!exhausted && started - reported >= window) await advanced.wait();
      if (exhausted) return;
      const index = started;
      started += 1;
      const next = await iterator.next();
      if (next.done) {
        exhausted = true;
        advanced.wakeAll();
        return;
      }
      finished.set(index, await analyzeOne(next.value, options));
      await flush();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  await flush();
}
