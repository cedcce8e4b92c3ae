import { Command, InvalidArgumentError, Option } from 'commander';
import { ModelSet, type ExecutionProvider, type Task } from '@lungflow/inference';
import { countFiles, walkInputs } from './collectInputs';
import { analyzeInputs } from './analyzeInputs';
import { RunSummary } from './RunSummary';
import { ProgressBar } from './ProgressBar';
import { OutputWriter } from './OutputWriter';
import { defaultModelDir } from './defaultModelDir';
import type { AnalysisResult } from './AnalysisResult';

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
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
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
      const summary = new RunSummary();
      const models = new ModelSet(
        { cxr: flags.modelCxr, ct: flags.modelCt },
        { executionProvider: flags.executionProvider, intraOpThreads: flags.threads, maxBatch: flags.batch, maxWaitMs: 2 },
      );
      // A bar on a terminal; none when JSON goes to a pipe or file (a script is reading, nobody is watching).
      const wantBar = flags.progress && io.stderr.isTTY === true && (!flags.json || io.stdout.isTTY === true);
      const bar = wantBar ? new ProgressBar(io.stderr) : undefined;
      // The total comes from a listing-only pass that runs beside the analysis, so the first results need not wait
      // for a large tree to be listed.
      if (bar) void countFiles(paths).then((total) => bar.setTotal(total), () => undefined);
      // With the bar drawn and stdout on the same terminal, lines go above the bar (cli-progress's log) so neither
      // garbles the other; otherwise straight to their stream.
      const toStdout = (line: string): void | Promise<void> => {
        if (bar && io.stdout.isTTY === true) return bar.log(line);
        if (io.stdout.write(line)) return undefined;
        return new Promise((resolve) => io.stdout.once('drain', () => resolve()));
      };
      try {
        await analyzeInputs(walkInputs(paths, { onSkipped: () => bar?.increment(1) }), {
          modality: flags.modality,
          models,
          outputs: new OutputWriter(flags.out),
          concurrency: flags.concurrency,
          onResult: (result) => {
            summary.add(result);
            if (!result.ok) {
              const line = `lungflow: ${describe(result)}\n`;
              if (bar) bar.log(line);
              else io.stderr.write(line);
            }
            if (flags.json) return toStdout(`${JSON.stringify(result)}\n`);
            if (result.ok) return toStdout(`${describe(result)}\n`);
            return undefined;
          },
          onFiles: (count) => bar?.increment(count),
        });
      } finally {
        bar?.stop();
        await models.close();
      }
      io.stderr.write(`${summary.format()}\n`);
      io.exitCode = summary.failed > 0 ? 1 : 0;
    });
}
