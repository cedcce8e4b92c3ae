/**
 * `npm run bench:infer`: each released CXR model on this machine (v1, and v2 (segmentation + classifier in one graph)
 * once it is in models/), TypeScript serving path against Python onnxruntime,
 * same model file, same images, same thread count, measured in the same run. Prints latency p50/p95 at batch 1,
 * images/s at batch 1 and at the best batch, peak RSS, the ratio against Python, and the share of time spent in pre-
 * and post-processing around the model.
 *
 * Options (environment): BENCH_MODEL_DIR (comma-separated release folders; default every cxr-vN in models/),
 * BENCH_THREADS (2), BENCH_IMAGES (32),
 * BENCH_RUNS (600), BENCH_PYTHON (training/.venv/bin/python).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { aggregateClassifications, decodePicture, loadModelRelease, OnnxClassifier, toModelInput } from '@lungflow/inference';
import { PythonBaseline } from './PythonBaseline';

const ROOT = path.resolve(__dirname, '../..');
const SHARED = process.env.LUNGFLOW_SHARED_DIR ? path.resolve(process.env.LUNGFLOW_SHARED_DIR, 'data') : path.resolve(ROOT, '../shared/data');
const MODELS = path.join(ROOT, 'models');
const MODEL_DIRS = process.env.BENCH_MODEL_DIR
  ? process.env.BENCH_MODEL_DIR.split(',').map((dir) => path.resolve(ROOT, dir.trim())).filter(Boolean)
  : readdirSync(MODELS).filter((name) => /^cxr-v\d+$/.test(name) && existsSync(path.join(MODELS, name, 'card.json'))).sort().map((name) => path.join(MODELS, name));
/** Batch-1 p50 targets: the v1 classifier alone, and segmentation + classifier in one graph (issue 11). */
const TARGET_MS = { classifier: 10, segmentationAndClassifier: 25 };
const THREADS = Number(process.env.BENCH_THREADS ?? 2);
const COUNT = Number(process.env.BENCH_IMAGES ?? 32);
const RUNS = Number(process.env.BENCH_RUNS ?? 600);
const BLOCK = 20;
const THROUGHPUT_BLOCKS = 10;
const WARMUP = 20;
const BATCHES = [1, 2, 4, 8, 16, 32];
const PYTHON = path.resolve(ROOT, process.env.BENCH_PYTHON ?? 'training/.venv/bin/python');


const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  return sorted[lo] + (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]) * (rank - lo);
};
const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
const bestOf = (throughput: Record<string, number>): [string, number] => Object.entries(throughput).reduce((a, b) => (b[1] > a[1] ? b : a));

/** Real radiographs of different sizes: half ieee8023 (large, JPEG/PNG), half RSNA normals (224 px PNG). */
function pickImages(): string[] {
  const from = (dir: string, n: number): string[] =>
    readdirSync(dir).filter((f) => /\.(png|jpe?g)$/i.test(f)).sort().slice(0, n).map((f) => path.join(dir, f));
  const rsna = path.join(SHARED, 'cxr/rsna_normal');
  const rsnaDir = existsSync(path.join(rsna, 'images')) ? path.join(rsna, 'images') : rsna;
  return [...from(path.join(SHARED, 'cxr/ieee8023/images'), Math.ceil(COUNT / 2)), ...from(rsnaDir, Math.floor(COUNT / 2))];
}

async function main(): Promise<void> {
  if (MODEL_DIRS.length === 0) throw new Error(`no cxr-vN release in ${MODELS} and no BENCH_MODEL_DIR`);
  for (const [index, dir] of MODEL_DIRS.entries()) {
    if (index > 0) console.log('');
    await benchRelease(dir);
  }
}

async function benchRelease(modelDir: string): Promise<void> {
  const release = await loadModelRelease(modelDir);
  const { card } = release;
  const size = card.input.size;
  const classifier = await OnnxClassifier.create(release, { intraOpThreads: THREADS });
  const bytes = pickImages().map((f) => new Uint8Array(readFileSync(f)));

  // Pre-processing: decode the file and resize Pillow-exactly to the model input, per image.
  const inputs: Uint8Array[] = [];
  const preMs: number[] = [];
  for (const b of bytes) {
    const t0 = performance.now();
    inputs.push(toModelInput(await decodePicture(b), card));
    preMs.push(performance.now() - t0);
  }
  const outDir = path.join(ROOT, 'bench/output');
  mkdirSync(outDir, { recursive: true });
  const inputFile = path.join(outDir, `${card.id}-inputs.u8`);
  writeFileSync(inputFile, Buffer.concat(inputs.map((x) => Buffer.from(x))));

  let pythonError: string | undefined;
  const python = await PythonBaseline.start(PYTHON, [
    path.join(ROOT, 'bench/python_baseline.py'), '--model', release.modelPath, '--inputs', inputFile, '--size', String(size),
    '--count', String(inputs.length), '--threads', String(THREADS), '--warmup', String(WARMUP), '--outputs', classifier.requestedOutputs.join(','),
  ]).catch((error: Error) => {
    pythonError = error.message;
    return undefined;
  });

  // The host may be shared and its load drifts: TypeScript and a live Python process take turns in blocks of
  // BLOCK batch-1 runs on the same inputs, so both see the same load; percentiles are over all runs of each.
  for (let i = 0; i < WARMUP; i += 1) await classifier.classify([inputs[i % inputs.length]]);
  const tsLatency: number[] = [];
  const pyLatency: number[] = [];
  const postMs: number[] = [];
  let pyRss = 0;
  for (let offset = 0; offset < RUNS; offset += BLOCK) {
    for (let i = offset; i < offset + BLOCK; i += 1) {
      // Model at batch 1: the serving call (pack, run, name outputs).
      const t0 = performance.now();
      const [result] = await classifier.classify([inputs[i % inputs.length]]);
      const t1 = performance.now();
      tsLatency.push(t1 - t0);
      // Post-processing as the service does it: CAM to base64, aggregation, the event's JSON.
      const cam = result.cam.maps[result.decision.className];
      const camB64 = Buffer.from(cam.buffer, cam.byteOffset, cam.byteLength).toString('base64');
      const agg = aggregateClassifications([result], { method: 'max' });
      JSON.stringify({ probabilities: result.probabilities, decision: result.decision, camB64, agg });
      postMs.push(performance.now() - t1);
    }
    if (python) {
      const answer = await python.block(BLOCK, offset);
      pyLatency.push(...answer.latencies);
      pyRss = Math.max(pyRss, answer.peakRssMiB);
    }
  }

  // Throughput per batch size, again in alternating blocks: images per second of busy model time.
  const throughput: Record<string, number> = {};
  const pyThroughputByBatch: Record<string, number> = {};
  for (const batch of BATCHES) {
    const images = Array.from({ length: batch }, (_, i) => inputs[i % inputs.length]);
    await classifier.classify(images);
    const calls = Math.max(2, Math.floor(BLOCK / batch));
    let tsMs = 0;
    let pyMs = 0;
    for (let block = 0; block < THROUGHPUT_BLOCKS; block += 1) {
      const t0 = performance.now();
      for (let r = 0; r < calls; r += 1) await classifier.classify(images);
      tsMs += performance.now() - t0;
      if (python) pyMs += (await python.block(calls, block, batch)).latencies.reduce((a, b) => a + b, 0);
    }
    throughput[batch] = (THROUGHPUT_BLOCKS * calls * batch * 1000) / tsMs;
    if (python) pyThroughputByBatch[batch] = (THROUGHPUT_BLOCKS * calls * batch * 1000) / pyMs;
  }
  const peakRssMiB = process.resourceUsage().maxRSS / 1024;
  await classifier.close();
  python?.close();
  const pyThroughput = python && pyLatency.length > 0 ? { runtime: python.runtime, throughput: pyThroughputByBatch, peakRssMiB: pyRss } : undefined;

  const p50 = percentile(tsLatency, 50);
  const p95 = percentile(tsLatency, 95);
  const best = bestOf(throughput);
  const pre = mean(preMs);
  const post = mean(postMs);
  const total = pre + mean(tsLatency) + post;
  const f = (v: number, d = 2): string => v.toFixed(d);
  const ortVersion = (JSON.parse(readFileSync(require.resolve('onnxruntime-node/package.json'), 'utf8')) as { version: string }).version;
  const target = classifier.segments ? TARGET_MS.segmentationAndClassifier : TARGET_MS.classifier;
  const what = classifier.segments ? 'segmentation + classifier (one graph)' : 'classifier';
  console.log(`LungFlow inference benchmark: ${card.id} ${card.version} (sha256 ${card.files.sha256.slice(0, 12)}…), ${what}, input ${size}×${size}, ${inputs.length} real CXR images, outputs ${classifier.requestedOutputs.join(', ')}`);
  console.log(`${THREADS} intra-op thread(s); ${RUNS} batch-1 runs each, TypeScript and Python alternating in blocks of ${BLOCK}; host: ${os.cpus().length} CPUs, load average ${os.loadavg()[0].toFixed(1)}`);
  console.log(`runtime: onnxruntime-node ${ortVersion} (Node ${process.version})${pyThroughput ? ` vs ${pyThroughput.runtime}` : ''}`);
  console.log('');
  console.log(`TypeScript  batch 1   p50 ${f(p50)} ms   p95 ${f(p95)} ms   ${f(throughput[1], 1)} img/s`);
  console.log(`TypeScript  best batch ${best[0]}: ${f(best[1], 1)} img/s   (${Object.entries(throughput).map(([b, v]) => `b${b} ${f(v, 1)}`).join(', ')})`);
  console.log(`TypeScript  peak RSS ${f(peakRssMiB, 0)} MiB`);
  if (pyLatency.length > 0 && pyThroughput) {
    const pyP50 = percentile(pyLatency, 50);
    const pyBest = bestOf(pyThroughput.throughput);
    console.log(`Python      batch 1   p50 ${f(pyP50)} ms   p95 ${f(percentile(pyLatency, 95))} ms   ${f(pyThroughput.throughput['1'] as number, 1)} img/s`);
    console.log(`Python      best batch ${pyBest[0]}: ${f(pyBest[1], 1)} img/s   (${Object.entries(pyThroughput.throughput).map(([b, v]) => `b${b} ${f(v, 1)}`).join(', ')})   peak RSS ${f(pyThroughput.peakRssMiB, 0)} MiB`);
    console.log(`ratio TypeScript/Python: batch-1 p50 ${f(p50 / pyP50)}× (below 1: TypeScript faster); best-batch throughput ${f(best[1] / pyBest[1])}× (above 1: TypeScript faster)`);
    console.log(`target batch-1 p50 <= ${target} ms: ${p50 <= target ? 'met' : 'NOT met'}; no slower than Python: ${p50 <= pyP50 ? 'met' : 'NOT met'}`);
  } else {
    console.log(`Python baseline not run: ${pythonError ?? 'no figures'} (create training/.venv with onnxruntime and numpy, or set BENCH_PYTHON)`);
    console.log(`target batch-1 p50 <= ${target} ms: ${p50 <= target ? 'met' : 'NOT met'}`);
  }
  console.log(`per image at batch 1: pre-processing ${f(pre)} ms (${f((100 * pre) / total, 1)}%: file decode + Pillow-exact resize), model ${f(mean(tsLatency))} ms, post-processing ${f(post, 3)} ms (${f((100 * post) / total, 2)}%)`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
