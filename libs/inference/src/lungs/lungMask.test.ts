import { lungAreaFraction, lungMask, type LungMap } from './lungMask';

const map = (width: number, height: number, f: (x: number, y: number) => number): LungMap => {
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y += 1) for (let x = 0; x < width; x += 1) data[y * width + x] = f(x, y);
  return { width, height, data };
};

describe('lungMask', () => {
  it('at the map size reproduces the thresholded map (strictly above the threshold, as the graph)', () => {
    const m = map(4, 3, (x, y) => [0.1, 0.5, 0.51, 0.9][x] as number * (y === 1 ? 1 : 0));
    const mask = lungMask(m, 4, 3, 0.5);
    expect(Array.from(mask.data)).toEqual([0, 0, 0, 0, 0, 0, 255, 255, 0, 0, 0, 0]);
    expect(mask.areaFraction).toBeCloseTo(2 / 12, 12);
    expect(lungAreaFraction(m, 0.5)).toBeCloseTo(2 / 12, 12);
  });

  it('upsamples the probability, not the binary mask: the edge falls between cell centres where p crosses 0.5', () => {
    // Two cells, p = 0 and p = 1; their centres sit at x = 25 and x = 75 of a 100 px row, so p crosses 0.5 at x = 50.
    const mask = lungMask(map(2, 1, (x) => x), 100, 1, 0.5);
    const first = mask.data.indexOf(255);
    expect(first).toBe(50);
    expect(Array.from(mask.data.subarray(50)).every((v) => v === 255)).toBe(true);
    expect(mask.areaFraction).toBeCloseTo(0.5, 12);
  });

  it('makes a mask of any size and aspect (the input image stretched back), only 0 and 255', () => {
    // A disc of lung in a 112×112 map; on a 300×200 image it becomes an ellipse of about the same area fraction.
    const m = map(112, 112, (x, y) => (Math.hypot(x + 0.5 - 56, y + 0.5 - 56) < 30 ? 0.95 : 0.02));
    const mask = lungMask(m, 300, 200, 0.5);
    expect([mask.width, mask.height, mask.data.length]).toEqual([300, 200, 60000]);
    expect(new Set(mask.data)).toEqual(new Set([0, 255]));
    expect(mask.areaFraction).toBeCloseTo(lungAreaFraction(m, 0.5), 2);
    expect(mask.data[100 * 300 + 150]).toBe(255);
    expect(mask.data[0]).toBe(0);
  });

  it('refuses a map whose data does not match its size', () => {
    expect(() => lungMask({ width: 2, height: 2, data: new Float32Array(3) }, 10, 10, 0.5)).toThrow(RangeError);
  });
});
