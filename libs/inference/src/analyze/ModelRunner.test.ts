import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ModelRunner } from './ModelRunner';

// ModelRunner with the released cxr-v2 graph: lesion findings on every classification, with the regressions of the
// release's lesions.json when it ships one, mm² only when the caller passes the source's spacing; none for v1.
jest.setTimeout(120_000);

const MODELS = path.resolve(__dirname, '../../../../models');
const card = JSON.parse(readFileSync(path.join(MODELS, 'cxr-v2/card.json'), 'utf8')) as { id: string; files: { sha256: string } };
const golden = JSON.parse(readFileSync(path.join(MODELS, 'cxr-v2/golden.json'), 'utf8')) as { cases: { file: string; inputBase64: string }[] };
const input = new Uint8Array(Buffer.from((golden.cases[1] as { inputBase64: string }).inputBase64, 'base64'));

/** cxr-v2 with a lesions.json of our own (severity = a constant we choose, so the test knows the answer). */
function releaseWith(lesions: Record<string, unknown> | undefined): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lungflow-release-'));
  for (const file of ['card.json', 'model.onnx']) symlinkSync(path.join(MODELS, 'cxr-v2', file), path.join(dir, file));
  if (lesions) writeFileSync(path.join(dir, 'lesions.json'), JSON.stringify(lesions));
  return dir;
}
const lesionsJson = (sha256 = card.files.sha256): Record<string, unknown> => ({
  schema: 'lungflow.lesions.v1',
  appliesTo: { model: card.id, sha256 },
  supervision: 'test: constant models',
  lesionMap: { className: 'covid19', normalise: 'maxInLungs', threshold: 0.5 },
  brixiaZone: { intercept: 1.25, weights: {}, range: [0, 3] },
  extent: { intercept: 9, weights: {}, range: [0, 8] },
  opacity: { intercept: 2, weights: { 'total.lungFraction': 1 }, range: [0, 6] },
  clinical: [{ id: 'crp', display: 'C-reactive protein', unit: 'mg/L', estimable: false, nPatients: 3 }],
});

describe('ModelRunner lesions', () => {
  it('adds findings with the release regressions; mm² only with a spacing', async () => {
    const runner = await ModelRunner.load(releaseWith(lesionsJson()), { intraOpThreads: 1 });
    try {
      const plain = await runner.classifyInput(input);
      const lesions = plain.lesions;
      expect(lesions?.severity.brixiaGlobal).toBeCloseTo(6 * 1.25, 12);
      expect(lesions?.severity.extent).toBe(8);
      expect(lesions?.severity.opacity).toBeCloseTo(2 + (plain.lungs?.areaFraction ?? NaN), 6);
      expect(lesions?.clinical).toEqual([{ id: 'crp', display: 'C-reactive protein', unit: 'mg/L', value: null, modelId: 'cxr-v2/lesions/crp' }]);
      expect(lesions?.total.areaMm2).toBeNull();
      const spaced = await runner.classifyInput(input, { rows: 2240, columns: 1120, rowSpacingMm: 0.1, columnSpacingMm: 0.2 });
      const cells = Array.from(spaced.lesions?.lesionMask.data ?? []).reduce((a, b) => a + b, 0);
      // One grid cell: (2240 × 0.1 / 112) × (1120 × 0.2 / 112) = 2 × 2 = 4 mm².
      expect(spaced.lesions?.total.areaMm2).toBeCloseTo(cells * 4, 9);
      expect(cells).toBeGreaterThan(0);
    } finally {
      await runner.close();
    }
  });

  it('without lesions.json: measurements only; a lesions.json for another model refuses to load', async () => {
    const runner = await ModelRunner.load(releaseWith(undefined), { intraOpThreads: 1 });
    try {
      const { lesions } = await runner.classifyInput(input);
      expect(lesions?.severity).toEqual({ extent: null, opacity: null, brixiaGlobal: null });
      expect(lesions?.total.areaFraction).toBeGreaterThan(0);
    } finally {
      await runner.close();
    }
    await expect(ModelRunner.load(releaseWith(lesionsJson('0'.repeat(64))))).rejects.toMatchObject({ code: 'MODEL_HASH_MISMATCH' });
  });

  it('gives none for a graph that does not segment (cxr-v1)', async () => {
    const runner = await ModelRunner.load(path.join(MODELS, 'cxr-v1'), { intraOpThreads: 1 });
    try {
      const size = runner.release.card.input.size;
      const result = await runner.classifyInput(new Uint8Array(size * size).fill(90));
      expect(result.lungs).toBeUndefined();
      expect(result.lesions).toBeUndefined();
    } finally {
      await runner.close();
    }
  });
});
