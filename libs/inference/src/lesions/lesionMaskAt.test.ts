import { lungMask } from '../lungs/lungMask';
import type { Classification } from '../OnnxClassifier';
import { lesionMaskAt } from './lesionMaskAt';

// A 112 lung map holding a disc of lung, and a 56 CAM: high on the image's left half (the patient's right lung).
function classification(cam: (cx: number, cy: number) => number): Pick<Classification, 'cam' | 'lungs'> {
  const lungs = new Float32Array(112 * 112);
  for (let y = 0; y < 112; y += 1) for (let x = 0; x < 112; x += 1) lungs[y * 112 + x] = Math.hypot(x + 0.5 - 56, y + 0.5 - 56) < 40 ? 0.95 : 0.02;
  const map = new Float32Array(56 * 56);
  for (let y = 0; y < 56; y += 1) for (let x = 0; x < 56; x += 1) map[y * 56 + x] = cam(x, y);
  return { lungs: { width: 112, height: 112, data: lungs, threshold: 0.5, areaFraction: 0 }, cam: { width: 56, height: 56, maps: { covid19: map } } };
}
const rule = { className: 'covid19', normalise: 'maxInLungs' as const, threshold: 0.5 };

describe('lesionMaskAt', () => {
  it('is 0/255 at any size, inside the lung mask of that size, on the side where the CAM is high', () => {
    const c = classification((x) => (x < 28 ? 6 : 1));
    const mask = lesionMaskAt(c, rule, 300, 200);
    const lungs = lungMask(c.lungs as NonNullable<Classification['lungs']>, 300, 200, 0.5).data;
    expect(mask).toHaveLength(300 * 200);
    expect(new Set(mask)).toEqual(new Set([0, 255]));
    let outside = 0;
    let rightHalf = 0;
    for (let i = 0; i < mask.length; i += 1) {
      if (mask[i] === 0) continue;
      if (lungs[i] === 0) outside += 1;
      if (i % 300 >= 150) rightHalf += 1;
    }
    expect(outside).toBe(0);
    // The CAM steps from 6 to 1 at x = 28 of 56 (half way): normalised 1 → 1/6, crossing 0.5 at x ≈ 150 px of 300.
    expect(rightHalf).toBeLessThan(300 * 200 * 0.01);
    expect(mask[100 * 300 + 100]).toBe(255);
  });

  it('equals the lung mask when the CAM is even over the lungs, and is empty under the threshold without normalising', () => {
    const c = classification(() => 2);
    const lungs = lungMask(c.lungs as NonNullable<Classification['lungs']>, 170, 90, 0.5).data;
    expect(Buffer.from(lesionMaskAt(c, rule, 170, 90)).equals(Buffer.from(lungs))).toBe(true);
    expect(lesionMaskAt(c, { ...rule, normalise: 'none', threshold: 2.5 }, 170, 90).every((v) => v === 0)).toBe(true);
  });

  it('refuses a classification without lungs or without the class', () => {
    const { cam } = classification(() => 1);
    expect(() => lesionMaskAt({ cam }, rule, 10, 10)).toThrow(RangeError);
    expect(() => lesionMaskAt(classification(() => 1), { ...rule, className: 'other' }, 10, 10)).toThrow(RangeError);
  });
});
