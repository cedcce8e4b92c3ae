/**
 * `npm run bench:ct-slices`: CPU per CT slice in infer's analysis path (analyzeInstance with CT lungs, ct-v1,
 * micro-batches of 8, 8 instances in flight as services/infer runs them), with onnxruntime's idle threads spinning
 * (its default, the baseline) and sleeping (INFER_ORT_SPINNING=false), each in a fresh child process, alternating,
 * so both meet the same load. The slices are the real axial CT slices of `../shared/data` (tcia_covid19_ny_sbu
 * A048383), cycled; Part-10 parsing is included, the WADO-RS fetch is not. CPU is the process's user + system time
 * (process.cpuUsage) over a second pass (the first warms up).
 *
 * Options (environment): BENCH_CT_SLICES (300), BENCH_CT_ROUNDS (2), BENCH_THREADS (2, as deploy/local runs infer;
 * 0: onnxruntime's choice), LUNGFLOW_SHARED_DIR.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readPart10 } from '@lungflow/dicom';
import { analyzeInstance, ModelRunner } from '@lungflow/inference';

const ROOT = path.resolve(__dirname, '../..');
const SHARED = process.env.LUNGFLOW_SHARED_DIR ? path.resolve(process.env.LUNGFLOW_SHARED_DIR, 'data') : path.resolve(ROOT, '../shared/data');
const SLICES = Number(process.env.BENCH_CT_SLICES ?? 300);
const ROUNDS = Number(process.env.BENCH_CT_ROUNDS ?? 2);
const THREADS = Number(process.env.BENCH_THREADS ?? 2);
const IN_FLIGHT = 8;

async function child(allowSpinning: boolean): Promise<void> {
  const dir = path.join(SHARED, 'dicom/tcia_covid19_ny_sbu/A048383/axial');
  const files = readdirSync(dir).filter((f) => f.endsWith('.dcm')).sort().map((f) => readFileSync(path.join(dir, f)));
  const runner = await ModelRunner.load(path.join(ROOT, 'models/ct-v1'), { ...(THREADS ? { intraOpThreads: THREADS } : {}), allowSpinning, maxBatch: 8, maxWaitMs: 10 });
  const pass = async () => {
    let next = 0;
    const worker = async () => {
      while (next < SLICES) {
        const index = next;
        next += 1;
        await analyzeInstance(readPart10(new Uint8Array(files[index % files.length] as Buffer)), runner, { ctLungs: true });
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  };
  await pass();
  const start = process.cpuUsage();
  const wallStart = performance.now();
  await pass();
  const used = process.cpuUsage(start);
  await runner.close();
  process.stdout.write(JSON.stringify({ cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - wallStart }));
}

function main(): void {
  console.log(`bench:ct-slices, ${new Date().toISOString()}, ${SLICES} slices per pass, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} on ${os.cpus().length} CPUs`);
  const results: Record<string, number[]> = { spinning: [], sleeping: [] };
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const mode of ['spinning', 'sleeping'] as const) {
      const out = execFileSync(process.execPath, [...process.execArgv, __filename, 'child', mode], { encoding: 'utf8', env: process.env });
      const { cpuMs, wallMs } = JSON.parse(out.trim().split('\n').pop() as string) as { cpuMs: number; wallMs: number };
      results[mode]?.push(cpuMs / SLICES);
      console.log(`  round ${round + 1} ${mode.padEnd(9)} CPU ${(cpuMs / SLICES).toFixed(1)} ms per slice (wall ${(wallMs / 1000).toFixed(1)} s for ${SLICES})`);
    }
  }
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const base = mean(results.spinning as number[]);
  const sleeping = mean(results.sleeping as number[]);
  console.log(`mean CPU ms per slice: spinning (baseline) ${base.toFixed(1)}, sleeping ${sleeping.toFixed(1)} (${(sleeping / base).toFixed(2)}×); load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

if (process.argv[2] === 'child') {
  child(process.argv[3] === 'spinning').catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
} else {
  main();
}
