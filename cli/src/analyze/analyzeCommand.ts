import { Command, InvalidArgumentError, Option } from 'commander';
import { MultiBar, Presets } from 'cli-progress';
import { ModelSet, type ExecutionProvider, type Task } from '@lungflow/inference';
import { collectInputs } from './collectInputs';
import { analyzeInputs, fileCount } from './analyzeInputs';
import { OutputWriter } from './OutputWriter';
import { defaultModelDir } from './defaultModelDir';
import type { AnalysisResult } from './AnalysisResult';

/** A progress bar is drawn on an interactive terminal once a run has this many files. */
const PROGRESS_MIN_FILES = 4;

interface AnalyzeFlags {
  modality: Task;
  out?: string;
  json?: boolean;
  progress: boolean;
  modelCxr: string;
  modelCt: string;
  threads: number;
  batch: number;
  concurrency: number;
  executionProvider: ExecutionProvider;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

function describe(result: AnalysisResult): string {
  if (!result.ok) return `${result.input}: FAILED ${result.error.code}: ${result.error.message}`;
  const { className, threshold, status, reason } = result.decision;
  const verdict = status === 'indeterminate' ? `INDETERMINATE (${reason === 'no-lungs' ? 'no lungs found' : 'probability in the indeterminate band'})` : status === 'positive' ? 'POSITIVE' : 'negative';
  const probs = Object.entries(result.probabilities).map(([name, p]) => `${name} ${p.toFixed(3)}`).join(', ');
  const images = result.kind === 'dicom' ? `, ${result.analysedImages} image(s), ${result.aggregation}` : '';
  return `${result.input}: ${verdict} for ${className} (threshold ${Number(threshold.toFixed(4))}) | ${probs} | ${result.model.id} ${result.model.version}${images}`;
}

export interface CommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** Set by the action: 0 every input analysed, 1 at least one failed. */
  exitCode?: number;
}

export function analyzeCommand(io: CommandIo): Command {
  return new Command('analyze')
    .description('Analyse DICOM files, folders of DICOM (grouped into studies) and PNG/JPEG chest images, in this process.')
    .argument('<paths...>', 'files or folders')
    .addOption(new Option('--modality <modality>', 'model for PNG/JPEG inputs (DICOM inputs pick their own)').choices(['cxr', 'ct']).default('cxr'))
    .option('--out <dir>', 'write a heatmap PNG for every input, and the SR and heatmap SC for DICOM inputs, into this folder')
    .option('--json', 'print one JSON object per input on standard output')
    .option('--no-progress', 'never draw a progress bar')
    .option('--model-cxr <dir>', 'released CXR model folder (card.json + model.onnx)', defaultModelDir('cxr'))
    .option('--model-ct <dir>', 'released CT model folder', defaultModelDir('ct'))
    .option('--threads <n>', 'onnxruntime intra-op threads (0: all cores)', (v) => (v === '0' ? 0 : positiveInt(v)), 0)
    .option('--batch <n>', 'largest model batch', positiveInt, 8)
    .option('--concurrency <n>', 'inputs read and prepared at once', positiveInt, 4)
    .addOption(new Option('--execution-provider <ep>', 'onnxruntime execution provider').choices(['cpu', 'cuda']).default('cpu'))
    .action(async (paths: string[], flags: AnalyzeFlags) => {
      const inputs = await collectInputs(paths);
      const models = new ModelSet(
        { cxr: flags.modelCxr, ct: flags.modelCt },
        { executionProvider: flags.executionProvider, intraOpThreads: flags.threads, maxBatch: flags.batch, maxWaitMs: 2 },
      );
      const totalFiles = inputs.reduce((n, input) => n + fileCount(input), 0);
      const showBar = flags.progress && io.stderr.isTTY === true && totalFiles >= PROGRESS_MIN_FILES;
      // The bar lives on stderr; while it is drawn, failures are logged above it and the human-readable results
      // wait until it is gone, so neither garbles the other on a terminal.
      const multibar = showBar ? new MultiBar({ stream: io.stderr, format: 'analysing [{bar}] {value}/{total} files | {eta_formatted} left', etaBuffer: 20, hideCursor: true }, Presets.shades_classic) : undefined;
      const bar = multibar?.create(totalFiles, 0);
      const held: string[] = [];
      let failed = 0;
      try {
        await analyzeInputs(inputs, {
          modality: flags.modality,
          models,
          outputs: new OutputWriter(flags.out),
          concurrency: flags.concurrency,
          onResult: (result) => {
            if (flags.json) io.stdout.write(`${JSON.stringify(result)}\n`);
            else if (result.ok && multibar) held.push(describe(result));
            else if (result.ok) io.stdout.write(`${describe(result)}\n`);
            if (!result.ok) {
              failed += 1;
              const line = `lungflow: ${describe(result)}\n`;
              if (multibar) multibar.log(line);
              else io.stderr.write(line);
            }
          },
          onFiles: (count) => bar?.increment(count),
        });
      } finally {
        multibar?.stop();
        await models.close();
      }
      for (const line of held) io.stdout.write(`${line}\n`);
      io.stderr.write(`lungflow: ${inputs.length - failed} of ${inputs.length} input(s) analysed${failed ? `, ${failed} failed` : ''}\n`);
      io.exitCode = failed > 0 ? 1 : 0;
    });
}
