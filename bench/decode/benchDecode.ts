/**
 * `npm run bench:decode`: what decoding a JPEG 2000 frame at a lower resolution level saves, and what it changes.
 * For each real JPEG 2000 file (the committed J2K sample, and the J2K files of `../shared/data` when present):
 *
 * - CPU ms per `renderFrame` (decode, Modality LUT, VOI, 8-bit) at full resolution (the baseline) and with
 *   `minLongSide` 224 (the model input) and 768 (report's SC), interleaved in the same loop so a shared host's
 *   load hits all alike; `process.cpuUsage` (user + system of this process), so other processes' load counts less
 *   than in wall time.
 * - report's source + heatmap path (renderFrame, then `heatmap` at most 1024 px: downscale and CAM blend, what the
 *   SC and the worklist pictures are made of) with the full decode and with report's `minLongSide` 768.
 * - The model input built from each level (Pillow-exact resize of the rendered image, as the card says) against
 *   the one built from the full image: max and mean absolute grey-level difference, and each released CXR model's
 *   probabilities on both (max absolute difference).
 *
 * Options (environment): BENCH_DECODE_RUNS (20 per variant), BENCH_MODEL_DIR (comma-separated release folders;
 * default every models/cxr-vN), LUNGFLOW_SHARED_DIR.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readPart10, renderFrame, type DicomInstance } from '@lungflow/dicom';
import { loadModelRelease, OnnxClassifier, toModelInput } from '@lungflow/inference';
import { heatmap } from '@lungflow/results';

const ROOT = path.resolve(__dirname, '../..');
const SHARED = process.env.LUNGFLOW_SHARED_DIR ? path.resolve(process.env.LUNGFLOW_SHARED_DIR, 'data') : path.resolve(ROOT, '../shared/data');
const MODELS = path.join(ROOT, 'models');
const MODEL_DIRS = process.env.BENCH_MODEL_DIR
  ? process.env.BENCH_MODEL_DIR.split(',').map((dir) => path.resolve(ROOT, dir.trim())).filter(Boolean)
  : readdirSync(MODELS).filter((name) => /^cxr-v\d+$/.test(name) && existsSync(path.join(MODELS, name, 'card.json'))).sort().map((name) => path.join(MODELS, name));
const RUNS = Number(process.env.BENCH_DECODE_RUNS ?? 20);
const J2K = new Set(['1.2.840.10008.1.2.4.90', '1.2.840.10008.1.2.4.91']);

function j2kFiles(): string[] {
  const candidates = [path.join(ROOT, 'samples'), path.join(SHARED, 'dicom/pydicom_data')].filter((dir) => existsSync(dir));
  const files: string[] = [];
  const seen = new Set<string>();
  for (const dir of candidates) {
    for (const name of readdirSync(dir).filter((f) => f.endsWith('.dcm')).sort()) {
      const file = path.join(dir, name);
      const instance = readPart10(new Uint8Array(readFileSync(file)));
      // The demo sample is RG1_J2KI under new UIDs: the same codestream is measured once.
      const key = String(instance.pixelData?.encapsulated ? instance.pixelData.frames[0]?.byteLength : '');
      if (J2K.has(instance.transferSyntaxUid) && !seen.has(key)) {
        seen.add(key);
        files.push(file);
      }
    }
  }
  return files;
}

const cpuMs = async (work: () => Promise<unknown>): Promise<number> => {
  const start = process.cpuUsage();
  await work();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

async function timing(instance: DicomInstance): Promise<void> {
  const variants: { label: string; minLongSide?: number }[] = [{ label: 'full (baseline)' }, { label: 'minLongSide 224', minLongSide: 224 }, { label: 'minLongSide 768', minLongSide: 768 }];
  const samples = variants.map(() => [] as number[]);
  const sizes = variants.map(() => '');
  for (const variant of variants) await renderFrame(instance, variant.minLongSide ? { minLongSide: variant.minLongSide } : {}); // warm-up: WASM compile, heap growth
  for (let run = 0; run < RUNS; run += 1) {
    for (const [index, variant] of variants.entries()) {
      samples[index].push(
        await cpuMs(async () => {
          const { fullResolution } = await renderFrame(instance, variant.minLongSide ? { minLongSide: variant.minLongSide } : {});
          sizes[index] = `${fullResolution.width} × ${fullResolution.height}`;
        }),
      );
    }
  }
  const base = median(samples[0]);
  for (const [index, variant] of variants.entries()) {
    const ms = median(samples[index]);
    console.log(`  renderFrame ${variant.label.padEnd(16)} ${sizes[index].padEnd(12)} CPU ms median ${ms.toFixed(1).padStart(6)} (${(ms / base).toFixed(2)}× baseline), mean ${(samples[index].reduce((a, b) => a + b, 0) / RUNS).toFixed(1)}`);
  }
}

async function reportPath(instance: DicomInstance): Promise<void> {
  const cam = { data: new Float32Array(64).map((_, i) => i / 63), width: 8, height: 8 };
  const variants: { label: string; minLongSide?: number }[] = [{ label: 'full (baseline)' }, { label: 'minLongSide 768', minLongSide: 768 }];
  const samples = variants.map(() => [] as number[]);
  const sizes = variants.map(() => '');
  const once = async (minLongSide: number | undefined, index: number) => {
    const { fullResolution } = await renderFrame(instance, minLongSide ? { minLongSide } : {});
    const drawn = await heatmap(fullResolution, cam, { maxSide: 1024 });
    sizes[index] = `${drawn.width} × ${drawn.height}`;
  };
  for (const [index, variant] of variants.entries()) await once(variant.minLongSide, index);
  for (let run = 0; run < RUNS; run += 1) {
    for (const [index, variant] of variants.entries()) samples[index].push(await cpuMs(() => once(variant.minLongSide, index)));
  }
  const base = median(samples[0]);
  for (const [index, variant] of variants.entries()) {
    const ms = median(samples[index]);
    console.log(`  report source + heatmap, ${variant.label.padEnd(16)} heatmap ${sizes[index].padEnd(12)} CPU ms median ${ms.toFixed(1).padStart(6)} (${(ms / base).toFixed(2)}× baseline)`);
  }
}

async function fidelity(instance: DicomInstance, classifiers: OnnxClassifier[]): Promise<void> {
  const full = await renderFrame(instance);
  for (const classifier of classifiers) {
    const { card } = classifier.release;
    const reference = toModelInput(full.fullResolution, card);
    const [referenceProbabilities] = await classifier.classify([reference]);
    const longSide = Math.max(full.fullResolution.width, full.fullResolution.height);
    for (let minLongSide = card.input.size; minLongSide < longSide; minLongSide *= 2) {
      const reduced = await renderFrame(instance, { minLongSide });
      if (reduced.reduction === 1) continue;
      const input = toModelInput(reduced.fullResolution, card);
      let maxAbs = 0;
      let sumAbs = 0;
      for (let i = 0; i < input.length; i += 1) {
        const d = Math.abs(input[i] - reference[i]);
        maxAbs = Math.max(maxAbs, d);
        sumAbs += d;
      }
      const [probabilities] = await classifier.classify([input]);
      const probabilityDiff = Math.max(...Object.keys(referenceProbabilities.probabilities).map((k) => Math.abs(probabilities.probabilities[k] - referenceProbabilities.probabilities[k])));
      console.log(
        `  ${card.id} ${card.input.size} px input from ${reduced.fullResolution.width} × ${reduced.fullResolution.height} (÷${reduced.reduction}) vs full: grey max |Δ| ${maxAbs}, mean |Δ| ${(sumAbs / input.length).toFixed(2)}; probabilities max |Δ| ${probabilityDiff.toFixed(4)} (full: ${JSON.stringify(roundAll(referenceProbabilities.probabilities))})`,
      );
    }
  }
}

const roundAll = (record: Record<string, number>) => Object.fromEntries(Object.entries(record).map(([k, v]) => [k, Number(v.toFixed(4))]));

async function main(): Promise<void> {
  console.log(`bench:decode, ${new Date().toISOString()}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} on ${os.cpus().length} CPUs, ${RUNS} runs per variant`);
  const classifiers = await Promise.all(MODEL_DIRS.map(async (dir) => OnnxClassifier.create(await loadModelRelease(dir), { intraOpThreads: 1 })));
  for (const file of j2kFiles()) {
    const instance = readPart10(new Uint8Array(readFileSync(file)));
    console.log(`${path.relative(ROOT, file)}: ${instance.dataset.Modality ?? '?'} ${instance.dataset.Columns} × ${instance.dataset.Rows}, ${instance.transferSyntaxUid}`);
    await timing(instance);
    await reportPath(instance);
    await fidelity(instance, classifiers);
  }
  console.log(`load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  await Promise.all(classifiers.map((c) => c.close()));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
