import { readFileSync } from 'node:fs';
import path from 'node:path';
import { modelCardSchema, resultCardSchema } from './modelCard';

const releases = ['cxr-v1', 'cxr-v2', 'ct-v1'];
const card = (release: string): unknown => JSON.parse(readFileSync(path.join(__dirname, '../../../models', release, 'card.json'), 'utf8'));

describe('model card', () => {
  it.each(releases)('parses the committed %s card with the serving schema and the result pick alike', (release) => {
    const served = modelCardSchema.parse(card(release));
    const reported = resultCardSchema.parse(card(release));
    expect(reported.classes).toEqual(served.classes);
    expect(reported.preprocessing).toEqual(served.preprocessing);
  });

  it('needs for a result only what writing one uses (no weights file, no input size)', () => {
    const minimal = { id: 'm', version: '1', task: 'cxr', classes: [{ name: 'a', code: { value: '1', scheme: 'SCT', meaning: 'A' } }, { name: 'b', code: { value: '2', scheme: 'SCT', meaning: 'B' } }] };
    expect(resultCardSchema.safeParse(minimal).success).toBe(true);
    expect(modelCardSchema.safeParse(minimal).success).toBe(false);
    expect(resultCardSchema.safeParse({ ...minimal, task: 'mri' }).success).toBe(false);
  });
});
