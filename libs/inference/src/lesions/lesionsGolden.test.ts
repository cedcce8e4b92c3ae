import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { releaseDirs } from '../../../../test/helpers/releases';
import { ModelRunner } from '../analyze/ModelRunner';
import type { Classification } from '../OnnxClassifier';
import { lesionGrid } from './lesionFeatures';

/**
 * TypeScript equals Python for lesions: `models/<release>/lesions-golden.json` (written by
 * training/lungflow_training/v2/lesions.py from Python onnxruntime's outputs on the golden.json inputs) recomputed
 * here through ModelRunner (onnxruntime-node, then lesionFindings), within 1e-4 per feature and score.
 *
 * Also from the outputs Python stored in golden.json itself (`expected.lungs`, `expected.cam`): the same numbers
 * from the same model outputs, so a failure there is a rule difference, while a failure only through onnxruntime-node
 * is a pixel on a threshold that the two runtimes put on either side (lesions.py records each case's margin).
 *
 * Every segmenting CXR release in models/ (and LUNGFLOW_TEST_RELEASES) is listed; one without lesions-golden.json is
 * skipped, saying so, until the Python side has written it.
 */
jest.setTimeout(120_000);

const TOLERANCE = 1e-4;

interface LesionsGolden {
  cases: { file: string; features: Record<string, number>; brixiaGlobal: number | null; extent: number | null; opacity: number | null }[];
}
interface Golden {
  classes: string[];
  cases: { file: string; inputBase64: string; expected: { cam: unknown[]; lungs?: unknown[] } }[];
}

const segmentingCxr = releaseDirs().filter((dir) => {
  const card = JSON.parse(readFileSync(path.join(dir, 'card.json'), 'utf8')) as { task: string; segmentation?: unknown };
  return card.task === 'cxr' && card.segmentation !== undefined;
});

const worst = (got: Record<string, number>, want: Record<string, number>): { name: string; diff: number } =>
  Object.entries(want).reduce((w, [name, v]) => {
    const diff = Math.abs((got[name] ?? NaN) - v);
    return Number.isNaN(diff) || diff > w.diff ? { name, diff: Number.isNaN(diff) ? Infinity : diff } : w;
  }, { name: '', diff: 0 });

describe.each(segmentingCxr.map((dir) => [path.relative(path.resolve(__dirname, '../../../..'), dir), dir]))('lesions-golden.json of %s', (name, releaseDir) => {
  const goldenFile = path.join(releaseDir, 'lesions-golden.json');
  const present = existsSync(goldenFile);
  const maybe = present ? it : it.skip;
  const skipped = present ? '' : ` (SKIPPED: ${name}/lesions-golden.json does not exist yet; training/lungflow_training/v2/lesions.py writes it)`;
  let runner: ModelRunner;
  let lesionsGolden: LesionsGolden;
  let golden: Golden;

  beforeAll(async () => {
    if (!present) return;
    lesionsGolden = JSON.parse(readFileSync(goldenFile, 'utf8')) as LesionsGolden;
    golden = JSON.parse(readFileSync(path.join(releaseDir, 'golden.json'), 'utf8')) as Golden;
    runner = await ModelRunner.load(releaseDir, { intraOpThreads: 1, maxBatch: 1 });
  });
  afterAll(async () => runner?.close());

  const featuresOf = (classification: Pick<Classification, 'lungs' | 'cam'>, input: Uint8Array): Record<string, number> => {
    const rule = runner.lesionMap;
    const lungs = classification.lungs as NonNullable<Classification['lungs']>;
    const cam = classification.cam.maps[rule.className] as Float32Array;
    return lesionGrid({ lungs, lungThreshold: lungs.threshold, cam: { width: classification.cam.width, height: classification.cam.height, data: cam }, normalise: rule.normalise, lesionThreshold: rule.threshold, modelInput: input }).features;
  };
  const caseOf = (file: string): Golden['cases'][number] => {
    const found = golden.cases.find((c) => c.file === file);
    if (!found) throw new Error(`${name}/lesions-golden.json names ${file}, which golden.json does not have`);
    return found;
  };

  maybe(`covers the golden.json cases with every feature${skipped}`, () => {
    expect(lesionsGolden.cases.length).toBeGreaterThanOrEqual(3);
    for (const c of lesionsGolden.cases) {
      caseOf(c.file);
      expect(Object.keys(c.features).length).toBe(36);
    }
    // The release ships its lesion model: the golden scores were made with it.
    expect(existsSync(path.join(releaseDir, 'lesions.json'))).toBe(true);
  });

  maybe(`from Python's stored outputs (golden.json): the same features within ${TOLERANCE}${skipped}`, () => {
    for (const c of lesionsGolden.cases) {
      const g = caseOf(c.file);
      if (!g.expected.lungs) throw new Error(`golden.json case ${c.file} has no lung map`);
      const lungs = Float32Array.from(g.expected.lungs.flat(Infinity) as number[]);
      const side = Math.round(Math.sqrt(lungs.length));
      const camAll = g.expected.cam as number[][][];
      const maps = Object.fromEntries(golden.classes.map((cls, i) => [cls, Float32Array.from((camAll[i] as number[][]).flat())]));
      const camSide = (camAll[0] as number[][]).length;
      const classification = { lungs: { width: side, height: side, data: lungs, threshold: runner.release.card.segmentation?.threshold ?? 0.5, areaFraction: 0 }, cam: { width: camSide, height: camSide, maps } };
      const features = featuresOf(classification, new Uint8Array(Buffer.from(g.inputBase64, 'base64')));
      expect({ file: c.file, ...worst(features, c.features), ok: worst(features, c.features).diff <= TOLERANCE }).toMatchObject({ file: c.file, ok: true });
    }
  });

  maybe(`through ModelRunner (onnxruntime-node): features, Brixia global, extent and opacity within ${TOLERANCE}${skipped}`, async () => {
    for (const c of lesionsGolden.cases) {
      const input = new Uint8Array(Buffer.from(caseOf(c.file).inputBase64, 'base64'));
      const classification = await runner.classifyInput(input);
      const lesions = classification.lesions;
      if (!lesions) throw new Error(`${c.file}: ModelRunner gave no lesion findings`);
      const features = featuresOf(classification, input);
      const w = worst(features, c.features);
      expect({ file: c.file, ...w, ok: w.diff <= TOLERANCE }).toMatchObject({ file: c.file, ok: true });
      // The findings carry the same measurement as the features.
      expect(lesions.total.areaFraction).toBe(features['total.lesionFraction']);
      expect(lesions.zones.leftLower.areaFraction).toBe(features['leftLower.lesionFraction']);
      expect(lesions.total.areaMm2).toBeNull(); // golden inputs come without their source's spacing
      for (const key of ['brixiaGlobal', 'extent', 'opacity'] as const) {
        const got = key === 'brixiaGlobal' ? lesions.severity.brixiaGlobal : lesions.severity[key];
        if (c[key] === null) expect({ file: c.file, key, got }).toEqual({ file: c.file, key, got: null });
        else expect({ file: c.file, key, diff: Math.abs((got ?? NaN) - c[key]) <= TOLERANCE }).toEqual({ file: c.file, key, diff: true });
      }
    }
  });
});
