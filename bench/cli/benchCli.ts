/**
 * `npm run bench:cli`: `lungflow analyze --json` on N real radiographs in one folder (default 1,000: the 224 px RSNA
 * normals of ../shared/data, hard-linked into a temporary folder and cycled to reach N), against a Python
 * onnxruntime process doing the same decode + resize + model work on the same files, measured in the same run.
 * Prints images/s and peak RSS of each, and the CLI's own summary line.
 *
 * Options (environment): BENCH_CLI_FILES (1000), BENCH_THREADS (2), BENCH_CLI_CONCURRENCY (the CLI's default),
 * BENCH_PYTHON (training/.venv/bin/python; the baseline is skipped with a note when it is missing).
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, linkSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadModelRelease, resizeFilterOf } from '@lungflow/inference';

const ROOT = path.resolve(__dirname, '../..');
const SHARED = process.env.LUNGFLOW_SHARED_DIR ? path.resolve(process.env.LUNGFLOW_SHARED_DIR, 'data') : path.resolve(ROOT, '../shared/data');
const FILES = Number(process.env.BENCH_CLI_FILES ?? 1000);
const THREADS = Number(process.env.BENCH_THREADS ?? 2);
const CONCURRENCY = process.env.BENCH_CLI_CONCURRENCY;
const PYTHON = path.resolve(ROOT, process.env.BENCH_PYTHON ?? 'training/.venv/bin/python');
const MODEL_DIR = path.resolve(ROOT, 'models/cxr-v1');

function run(command: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; seconds: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, seconds: (performance.now() - started) / 1000 }));
  });
}

/** N files in a fresh folder: hard links to the samples where the file system allows, else copies. */
function makeInputs(dir: string): string[] {
  const sourceDir = path.join(SHARED, 'cxr/rsna_normal/images');
  const sources = readdirSync(sourceDir).filter((f) => f.endsWith('.png')).sort().map((f) => path.join(sourceDir, f));
  if (sources.length === 0) throw new Error(`no PNG in ${sourceDir}`);
  return Array.from({ length: FILES }, (_, i) => {
    const target = path.join(dir, `${String(i).padStart(6, '0')}-${path.basename(sources[i % sources.length])}`);
    try {
      linkSync(sources[i % sources.length], target);
    } catch {
      copyFileSync(sources[i % sources.length], target);
    }
    return target;
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lungflow-bench-cli-'));
  try {
    const files = makeInputs(dir);
    const release = await loadModelRelease(MODEL_DIR);
    console.log(`bench:cli: ${FILES} files (RSNA normals, 224 px PNG), model ${release.card.id} ${release.card.version}, ${THREADS} onnxruntime threads, ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);

    const cliArgs = [path.join(ROOT, 'cli/bin/lungflow.js'), 'analyze', '--json', '--threads', String(THREADS), ...(CONCURRENCY ? ['--concurrency', CONCURRENCY] : []), dir];
    const cli = await run(process.execPath, cliArgs);
    const lines = cli.stdout.split('\n').filter(Boolean).length;
    const summary = cli.stderr.split('\n').find((line) => line.includes(' input(s): ')) ?? '(no summary)';
    const rss = /peak RSS (\d+) MiB/.exec(summary)?.[1] ?? '?';
    if (cli.code !== 0 || lines !== FILES) throw new Error(`lungflow analyze exited ${cli.code} with ${lines} of ${FILES} lines:\n${cli.stderr.slice(-2000)}`);
    console.log(`lungflow analyze --json: ${(FILES / cli.seconds).toFixed(1)} images/s (${cli.seconds.toFixed(1)} s wall, process start to exit), peak RSS ${rss} MiB`);
    console.log(`  its summary: ${summary.replace(/^lungflow: /, '')}`);

    if (!existsSync(PYTHON)) {
      console.log(`baseline skipped: ${PYTHON} not found (ln -s /path/to/training/.venv training/.venv, or set BENCH_PYTHON)`);
      return;
    }
    const list = path.join(dir, 'files.txt');
    writeFileSync(list, `${files.join('\n')}\n`);
    const py = await run(PYTHON, [path.join(__dirname, 'python_cli_baseline.py'), '--model', path.join(MODEL_DIR, 'model.onnx'), '--size', String(release.card.input.size), '--filter', resizeFilterOf(release.card), '--threads', String(THREADS), '--batch', '8', '--list', list]);
    if (py.code !== 0) throw new Error(`python baseline exited ${py.code}: ${py.stderr.slice(-2000)}`);
    const base = JSON.parse(py.stdout.trim().split('\n').pop() as string) as { images_per_s: number; seconds: number; peak_rss_mib: number; runtime: string };
    console.log(`baseline ${base.runtime} (decode + resize + model, batch 8, no outputs): ${(FILES / py.seconds).toFixed(1)} images/s (${py.seconds.toFixed(1)} s wall, process start to exit; loop alone ${base.images_per_s.toFixed(1)} images/s), peak RSS ${Math.round(base.peak_rss_mib)} MiB`);
    console.log(`ratio CLI / baseline (wall, start to exit): ${(py.seconds / cli.seconds).toFixed(2)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
