import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { newestRelease } from './newestRelease';

describe('newestRelease', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'lungflow-models-'));
  const release = (name: string, withCard = true): void => {
    mkdirSync(path.join(root, name));
    if (withCard) writeFileSync(path.join(root, name, 'card.json'), '{}');
  };

  it('falls back to <task>-v1 when the folder holds nothing for the task', () => {
    expect(newestRelease(path.join(root, 'missing'), 'cxr')).toBe(path.join(root, 'missing', 'cxr-v1'));
  });

  it('takes the highest version that has a card, per task (v10 after v2; a folder without a card is no release)', () => {
    release('cxr-v1');
    release('ct-v1');
    expect(newestRelease(root, 'cxr')).toBe(path.join(root, 'cxr-v1'));
    release('cxr-v2');
    release('cxr-v3', false);
    release('cxr-v2-candidate');
    expect(newestRelease(root, 'cxr')).toBe(path.join(root, 'cxr-v2'));
    release('cxr-v10');
    expect(newestRelease(root, 'cxr')).toBe(path.join(root, 'cxr-v10'));
    expect(newestRelease(root, 'ct')).toBe(path.join(root, 'ct-v1'));
  });
});
