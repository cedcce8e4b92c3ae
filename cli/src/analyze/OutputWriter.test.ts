import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodePicture, type Classification } from '@lungflow/inference';
import { OutputWriter } from './OutputWriter';

/** A v2-style result (unit test: the lung map is made up; the real graph's output is checked by the parity test). */
function segmented(): Classification {
  const lungs = new Float32Array(112 * 112);
  // Two "lungs": columns 20..49 and 62..91 of rows 20..89 are lung.
  for (let y = 20; y < 90; y += 1) for (let x = 0; x < 112; x += 1) lungs[y * 112 + x] = (x >= 20 && x < 50) || (x >= 62 && x < 92) ? 0.9 : 0.05;
  const cam = new Float32Array(56 * 56).fill(0);
  return {
    probabilities: { covid19: 0.7, no_finding: 0.3 },
    logits: {},
    cam: { width: 56, height: 56, maps: { covid19: cam } },
    lungs: { width: 112, height: 112, data: lungs, threshold: 0.5, areaFraction: (70 * 60) / (112 * 112) },
    decision: { className: 'covid19', threshold: 0.5, positive: true, status: 'positive' },
  };
}

describe('OutputWriter.lungsPng', () => {
  it('writes <stem>.lungs.png at the input image size, holding only 0 and 255, lungs where the map says', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'lungflow-lungs-'));
    const writer = new OutputWriter(out);
    const file = await writer.lungsPng('/some/where/chest 1.png', { width: 373, height: 301 }, segmented());
    expect(file).toBe(path.join(out, 'chest_1.lungs.png'));
    const mask = await decodePicture(new Uint8Array(readFileSync(file as string)), 'mask');
    expect([mask.width, mask.height]).toEqual([373, 301]);
    expect(new Set(mask.data)).toEqual(new Set([0, 255]));
    const at = (fx: number, fy: number): number => mask.data[Math.floor(fy * 301) * 373 + Math.floor(fx * 373)] as number;
    expect(at(35 / 112, 55 / 112)).toBe(255); // inside the left lung
    expect(at(56 / 112, 55 / 112)).toBe(0); // between the lungs
    expect(at(0.5, 0.95)).toBe(0); // below them
    const fraction = mask.data.reduce((n, v) => n + (v === 255 ? 1 : 0), 0) / mask.data.length;
    expect(fraction).toBeCloseTo((70 * 60) / (112 * 112), 2);
    // A second frame of the same file gets its own name.
    expect(await writer.lungsPng('/some/where/chest 1.png', { width: 10, height: 10 }, segmented(), '.frame2')).toBe(path.join(out, 'chest_1.frame2.lungs.png'));
  });

  it('writes nothing for a model without a lung output (v1) or without --out', async () => {
    const { lungs: _lungs, ...v1 } = segmented();
    expect(await new OutputWriter(mkdtempSync(path.join(os.tmpdir(), 'lungflow-lungs-'))).lungsPng('a.png', { width: 10, height: 10 }, v1)).toBeUndefined();
    expect(await new OutputWriter(undefined).lungsPng('a.png', { width: 10, height: 10 }, segmented())).toBeUndefined();
  });
});
