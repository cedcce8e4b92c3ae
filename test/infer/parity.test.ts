import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { readPart10, renderFrame } from '@lungflow/dicom';
import { ctWindowOf, decodePicture, loadModelRelease, OnnxClassifier, toModelInput, type Classification, type ModelRelease } from '@lungflow/inference';
import { REPO_ROOT, sharedDataDir } from '../helpers/paths';
import { releaseDirs } from '../helpers/releases';

/**
 * Serving equals training: each release's golden vectors (models/<release>/golden.json, written by
 * training/lungflow_training/golden.py from real test-split files and the released model.onnx run by Python
 * onnxruntime) through the TypeScript path.
 *
 * Tolerances, and where differences come from:
 * - model only, on the stored uint8 input: 1e-5 absolute on probabilities, logits and CAM. Same graph and weights;
 *   onnxruntime-node and Python onnxruntime may differ in version and kernel choice, and the file keeps 7 decimals.
 *   The same input alone and inside a batch agrees to 1e-6 in probabilities and 1e-5 in the CAM (float32 rounding
 *   of batch-size-dependent kernels).
 * - from the image file: the model input must be byte-identical (decodePicture reproduces Pillow's 'L' conversion
 *   and pillowResize Pillow's Lanczos bit for bit), so the outputs meet the same 1e-5.
 * - from the DICOM file: training mirrors libs/dicom's float32 pixel path in numpy (float64), so a value exactly on
 *   a rounding boundary may land one grey level apart: at most 1 level on at most 0.5% of pixels; the outputs then
 *   differ by what those pixels move, checked at 2e-3.
 * - `lungs` (graphs that segment, v2): the lung probability map is one more output of the same graph, compared with
 *   the same tolerances when the golden file has it.
 *
 * Which releases: every folder of models/ with a card (each must ship golden.json), plus the folders in
 * LUNGFLOW_TEST_RELEASES (comma-separated: e.g. a training run's contract files, never released into models/).
 */
// A v2 graph (224 px, segmentation inside) runs its DICOM cases in ~10 s on the shared 2-core box.
jest.setTimeout(120_000);

const MODEL_TOLERANCE = 1e-5;
const DICOM_OUTPUT_TOLERANCE = 2e-3;
const BATCH_TOLERANCE = 1e-6;

interface GoldenCase {
  file: string;
  inputBase64: string;
  inputSha256: string;
  expected: { probabilities: number[]; logits: number[]; cam: number[][][]; lungs?: unknown[] };
}
interface Golden {
  modelSha256: string;
  classes: string[];
  input: { size: number };
  cases: GoldenCase[];
  dicom: GoldenCase[];
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const maxAbsDiff = (a: readonly number[], b: readonly number[]): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] as number))), 0);

function flat(result: Classification, classes: string[]): { probabilities: number[]; logits: number[]; cam: number[]; lungs: number[] } {
  return {
    probabilities: classes.map((c) => result.probabilities[c] as number),
    logits: classes.map((c) => result.logits[c] as number),
    cam: classes.flatMap((c) => Array.from(result.cam.maps[c] as Float32Array)),
    lungs: result.lungs ? Array.from(result.lungs.data) : [],
  };
}

function expectOutputs(result: Classification, golden: Golden, expected: GoldenCase['expected'], tolerance: number): void {
  const got = flat(result, golden.classes);
  expect(maxAbsDiff(got.probabilities, expected.probabilities)).toBeLessThanOrEqual(tolerance);
  expect(maxAbsDiff(got.logits, expected.logits)).toBeLessThanOrEqual(tolerance);
  expect(maxAbsDiff(got.cam, expected.cam.flat(2))).toBeLessThanOrEqual(tolerance);
  if (expected.lungs) {
    const lungs = (expected.lungs as number[]).flat(3) as number[];
    expect(got.lungs).toHaveLength(lungs.length);
    expect(maxAbsDiff(got.lungs, lungs)).toBeLessThanOrEqual(tolerance);
  }
}

const releases = releaseDirs();

describe.each(releases.map((dir) => [path.relative(REPO_ROOT, dir), dir]))('golden vectors of %s', (_name, releaseDir) => {
  const goldenFile = path.join(releaseDir, 'golden.json');
  let golden: Golden;
  let release: ModelRelease;
  let classifier: OnnxClassifier;

  beforeAll(async () => {
    if (!existsSync(goldenFile)) throw new Error(`${goldenFile} is missing: the release must ship its golden vectors`);
    golden = JSON.parse(readFileSync(goldenFile, 'utf8')) as Golden;
    release = await loadModelRelease(releaseDir);
    classifier = await OnnxClassifier.create(release, { intraOpThreads: 1 });
  });
  afterAll(async () => classifier?.close());

  it('belongs to the released model and covers real files', () => {
    expect(golden.modelSha256).toBe(release.card.files.sha256);
    expect(golden.classes).toEqual(release.card.classes.map((c) => c.name));
    expect(golden.cases.length + golden.dicom.length).toBeGreaterThanOrEqual(3);
    // A graph that segments must have lung vectors in its golden file, and the other way round.
    expect(golden.cases.every((c) => c.expected.lungs !== undefined)).toBe(classifier.segments);
  });

  it(`model only: the stored inputs give Python's outputs within ${MODEL_TOLERANCE}, alone and in one batch`, async () => {
    const all = [...golden.cases, ...golden.dicom];
    const inputs = all.map((c) => new Uint8Array(Buffer.from(c.inputBase64, 'base64')));
    inputs.forEach((input, i) => expect(sha256(input)).toBe(all[i]?.inputSha256));
    const batched = await classifier.classify(inputs);
    for (const [i, input] of inputs.entries()) {
      const [alone] = await classifier.classify([input]);
      expectOutputs(alone as Classification, golden, (all[i] as GoldenCase).expected, MODEL_TOLERANCE);
      // A study redone after a crash lands in other batches: batch composition may change a result only by float32
      // rounding (onnxruntime picks kernels by batch size): probabilities within BATCH_TOLERANCE, the CAM (values
      // up to ~10, so a few ulp are ~1e-6) within MODEL_TOLERANCE.
      const inBatch = flat(batched[i] as Classification, golden.classes);
      const single = flat(alone as Classification, golden.classes);
      expect(maxAbsDiff(inBatch.probabilities, single.probabilities)).toBeLessThanOrEqual(BATCH_TOLERANCE);
      expect(maxAbsDiff(inBatch.cam, single.cam)).toBeLessThanOrEqual(MODEL_TOLERANCE);
    }
  });

  it('from the image file: decode + Pillow-exact resize give the identical input bytes, then the same outputs', async () => {
    for (const c of golden.cases) {
      const gray = await decodePicture(new Uint8Array(readFileSync(path.join(sharedDataDir(), c.file))), c.file);
      const input = toModelInput(gray, release.card);
      expect({ file: c.file, sha256: sha256(input) }).toEqual({ file: c.file, sha256: c.inputSha256 });
      const [result] = await classifier.classify([input]);
      expectOutputs(result as Classification, golden, c.expected, MODEL_TOLERANCE);
    }
  });

  it(`from the DICOM file: input within one grey level on ≤0.5% of pixels, outputs within ${DICOM_OUTPUT_TOLERANCE}`, async () => {
    const ctWindow = ctWindowOf(release.card);
    for (const c of golden.dicom) {
      const instance = readPart10(new Uint8Array(readFileSync(path.join(sharedDataDir(), c.file))));
      const { fullResolution } = await renderFrame(instance, { frame: 0, ...(ctWindow ? { ctWindow } : {}) });
      const input = toModelInput(fullResolution, release.card);
      const stored = Buffer.from(c.inputBase64, 'base64');
      let differing = 0;
      let worst = 0;
      input.forEach((v, i) => {
        const d = Math.abs(v - (stored[i] as number));
        if (d > 0) differing += 1;
        worst = Math.max(worst, d);
      });
      expect({ file: c.file, worst: worst <= 1, fractionOk: differing / input.length <= 0.005 }).toEqual({ file: c.file, worst: true, fractionOk: true });
      const [result] = await classifier.classify([input]);
      expectOutputs(result as Classification, golden, c.expected, DICOM_OUTPUT_TOLERANCE);
    }
  });
});
