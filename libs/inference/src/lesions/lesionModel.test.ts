import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LungFlowError } from '@lungflow/errors';
import type { ModelCard } from '../modelCard';
import { checkLesionModel, loadLesionModel } from './lesionModel';

const SHA = 'b'.repeat(64);
const card = { id: 'cxr-v2', operatingPoint: { className: 'covid19', threshold: 0.1 }, classes: [{ name: 'covid19' }, { name: 'no_finding' }], files: { sha256: SHA } } as unknown as ModelCard;

// The README's example, made to apply to `card`.
const example = (): Record<string, unknown> => ({
  schema: 'lungflow.lesions.v1',
  appliesTo: { model: 'cxr-v2', sha256: SHA },
  supervision: 'plain words: what trained what',
  lesionMap: { className: 'covid19', normalise: 'maxInLungs', threshold: 0.5 },
  brixiaZone: { intercept: 0, weights: { lesionFraction: 0 }, range: [0, 3] },
  extent: { intercept: 0, weights: { 'total.lesionFraction': 0 }, range: [0, 8] },
  opacity: { intercept: 0, weights: { 'total.meanIntensity': 0 }, range: [0, 6] },
  clinical: [{ id: 'crp', display: 'C-reactive protein', unit: 'mg/L', estimable: true, nPatients: 40, intercept: 0, weights: { 'total.lesionFraction': 0 }, range: [0, 500] }],
});

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (error) {
    return error instanceof LungFlowError ? error.code : 'not a LungFlowError';
  }
  return undefined;
};

describe('lesions.json (lungflow.lesions.v1)', () => {
  it("accepts the README's example and an entry not estimable without weights", () => {
    expect(checkLesionModel(example(), card).clinical[0]?.id).toBe('crp');
    const notEstimable = { ...example(), clinical: [{ id: 'ldh', display: 'LDH', unit: 'U/L', estimable: false, nPatients: 9 }] };
    expect(checkLesionModel(notEstimable, card).clinical[0]?.estimable).toBe(false);
    const { brixiaZone: _b, extent: _e, opacity: _o, clinical: _c, ...bare } = example();
    expect(checkLesionModel(bare, card).clinical).toEqual([]);
  });

  it('refuses weights on unknown features, Brixia weights by full name, an estimable entry without weights, a bad range', () => {
    expect(codeOf(() => checkLesionModel({ ...example(), extent: { intercept: 0, weights: { 'total.lesionArea': 1 }, range: [0, 8] } }, card))).toBe('MODEL_CARD_INVALID');
    expect(codeOf(() => checkLesionModel({ ...example(), brixiaZone: { intercept: 0, weights: { 'rightUpper.lesionFraction': 1 }, range: [0, 3] } }, card))).toBe('MODEL_CARD_INVALID');
    expect(codeOf(() => checkLesionModel({ ...example(), clinical: [{ id: 'crp', display: 'CRP', unit: 'mg/L', estimable: true, nPatients: 40 }] }, card))).toBe('MODEL_CARD_INVALID');
    expect(codeOf(() => checkLesionModel({ ...example(), opacity: { intercept: 0, weights: {}, range: [6, 0] } }, card))).toBe('MODEL_CARD_INVALID');
    expect(codeOf(() => checkLesionModel({ ...example(), schema: 'lungflow.lesions.v2' }, card))).toBe('MODEL_CARD_INVALID');
    expect(codeOf(() => checkLesionModel({ ...example(), lesionMap: { className: 'tumour', normalise: 'none', threshold: 1 } }, card))).toBe('MODEL_CARD_INVALID');
  });

  it("refuses a file fitted for another model (its CAM would not be this model's)", () => {
    expect(codeOf(() => checkLesionModel({ ...example(), appliesTo: { model: 'cxr-v2', sha256: 'c'.repeat(64) } }, card))).toBe('MODEL_HASH_MISMATCH');
  });

  it('is optional per release: absent gives undefined, present but broken fails', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lungflow-lesions-'));
    await expect(loadLesionModel(dir, card)).resolves.toBeUndefined();
    writeFileSync(path.join(dir, 'lesions.json'), '{ not json');
    await expect(loadLesionModel(dir, card)).rejects.toMatchObject({ code: 'MODEL_CARD_INVALID' });
    writeFileSync(path.join(dir, 'lesions.json'), JSON.stringify(example()));
    await expect(loadLesionModel(dir, card)).resolves.toMatchObject({ appliesTo: { model: 'cxr-v2' } });
  });

  it('every released lesions.json in models/ is valid for its card', async () => {
    const models = path.resolve(__dirname, '../../../../models');
    for (const release of ['cxr-v2']) {
      const dir = path.join(models, release);
      if (!existsSync(path.join(dir, 'lesions.json'))) continue;
      const released = JSON.parse(readFileSync(path.join(dir, 'card.json'), 'utf8')) as ModelCard;
      await expect(loadLesionModel(dir, released)).resolves.toBeDefined();
    }
  });
});
