import { readFileSync } from 'fs';
import path from 'path';
import { readPart10 } from '../read/readPart10';
import { readSample, SAMPLE } from '../read/__tests__/sampleFiles';
import type { DicomInstance } from '../read/DicomInstance';
import { codestreamGeometry, jpeg2000LevelSize, jpeg2000Reduction } from './codecs/codestreamGeometry';
import { decodeFrame, type DecodedFrame } from './decodeFrame';
import { imagePixelModule } from './imagePixelModule';
import { renderFrame } from './renderFrame';

/** Decoding JPEG 2000 at a lower resolution level (`minLongSide`), on the real J2K files of shared/data. */
jest.setTimeout(60_000);

const load = (relative: string): DicomInstance => readPart10(readSample(relative));
const firstFrame = (instance: DicomInstance): Uint8Array => {
  const pixelData = instance.pixelData;
  if (!pixelData?.encapsulated) throw new Error('not encapsulated');
  return pixelData.frames[0];
};

/** Mean of each k × k block of the full frame (clipped at the right and bottom edges), at the reduced size. */
function boxAverage(full: DecodedFrame, k: number, width: number, height: number): Float32Array {
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      let sum = 0;
      let count = 0;
      for (let dy = 0; dy < k && y * k + dy < full.height; dy += 1) {
        for (let dx = 0; dx < k && x * k + dx < full.width; dx += 1) {
          sum += full.values[(y * k + dy) * full.width + x * k + dx];
          count += 1;
        }
      }
      out[y * width + x] = sum / count;
    }
  }
  return out;
}

describe('JPEG 2000 levels from the codestream', () => {
  it('reads the image area and the decomposition levels of the CR and the CT', () => {
    const cr = codestreamGeometry(firstFrame(load(SAMPLE.crJpeg2000Mono1)));
    expect(cr?.jpeg2000).toEqual({ xOffset: 0, yOffset: 0, x1: 1841, y1: 1955, decompositionLevels: 5 });
    const ct = codestreamGeometry(firstFrame(load(SAMPLE.headCtJpeg2000)));
    expect(ct?.jpeg2000).toEqual({ xOffset: 0, yOffset: 0, x1: 512, y1: 512, decompositionLevels: 5 });
  });

  it('halves each side per level, rounding up, and stops at the smallest level still long enough', () => {
    const levels = { xOffset: 0, yOffset: 0, x1: 1841, y1: 1955, decompositionLevels: 5 };
    expect([1, 2, 3].map((r) => jpeg2000LevelSize(levels, r))).toEqual([
      { width: 921, height: 978 },
      { width: 461, height: 489 },
      { width: 231, height: 245 },
    ]);
    expect(jpeg2000Reduction(levels, 224)).toBe(3);
    expect(jpeg2000Reduction(levels, 245)).toBe(3);
    expect(jpeg2000Reduction(levels, 246)).toBe(2);
    expect(jpeg2000Reduction(levels, 2000)).toBe(0);
    expect(jpeg2000Reduction(levels, 1)).toBe(5);
    expect(jpeg2000Reduction({ ...levels, decompositionLevels: 0 }, 1)).toBe(0);
    // An offset image: levels are taken on the reference grid (T.800 B-15), not on the width alone.
    expect(jpeg2000LevelSize({ xOffset: 3, yOffset: 0, x1: 10, y1: 8, decompositionLevels: 2 }, 1)).toEqual({ width: 3, height: 4 });
  });
});

describe.each([
  { name: 'MONOCHROME1 CR, JPEG 2000 lossy', file: SAMPLE.crJpeg2000Mono1, minLongSide: 224, size: [231, 245], reduction: 8 },
  { name: 'MONOCHROME1 CR, JPEG 2000 lossy', file: SAMPLE.crJpeg2000Mono1, minLongSide: 768, size: [921, 978], reduction: 2 },
  { name: 'head CT, JPEG 2000 lossless', file: SAMPLE.headCtJpeg2000, minLongSide: 224, size: [256, 256], reduction: 2 },
])('$name, minLongSide $minLongSide', ({ file, minLongSide, size, reduction }) => {
  it('decodes the smallest level with that many pixels, close to the full decode averaged over the same blocks', async () => {
    const instance = load(file);
    const module = imagePixelModule(instance);
    const full = await decodeFrame(instance, module, 0);
    const reduced = await decodeFrame(instance, module, 0, { minLongSide });
    expect([reduced.width, reduced.height]).toEqual(size);
    expect(reduced.reduction).toBe(reduction);
    expect(reduced.values.length).toBe(size[0] * size[1]);
    expect(reduced.photometricInterpretation).toBe(full.photometricInterpretation);
    expect(reduced.maxValue).toBe(full.maxValue);

    // The wavelet low-pass is not a box filter, so the level is compared with block means: mean difference within
    // 2 % of the frame's range (measured: 0.5–1 %); one pixel of misalignment or a wrong level gives several times more.
    const box = boxAverage(full, reduction, reduced.width, reduced.height);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of full.values) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const meanAbs = (a: Float32Array, b: Float32Array) => a.reduce((sum, v, i) => sum + Math.abs(v - b[i]), 0) / a.length;
    expect(meanAbs(reduced.values, box) / (hi - lo)).toBeLessThan(0.02);
    // The same comparison one block to the right is clearly worse: the test can tell alignment.
    const shifted = boxAverage({ ...full, values: full.values.map((_, i) => full.values[Math.min(i + reduction, full.values.length - 1)]) }, reduction, reduced.width, reduced.height);
    expect(meanAbs(reduced.values, shifted)).toBeGreaterThan(1.3 * meanAbs(reduced.values, box));
  });
});

describe('renderFrame with minLongSide', () => {
  it('renders the reduced level through the same window and inversion as the full image', async () => {
    const instance = load(SAMPLE.crJpeg2000Mono1);
    const full = await renderFrame(instance);
    const reduced = await renderFrame(instance, { minLongSide: 768 });
    expect(full.reduction).toBe(1);
    expect(reduced.reduction).toBe(2);
    expect([reduced.fullResolution.width, reduced.fullResolution.height]).toEqual([921, 978]);
    expect(reduced.voi).toEqual(full.voi);
    expect(reduced.inverted).toBe(true);
    // 8-bit grey: each reduced pixel against the mean of its 2 × 2 block of the full rendering.
    const f = full.fullResolution;
    const r = reduced.fullResolution;
    let sum = 0;
    for (let y = 0; y < r.height; y += 1) {
      for (let x = 0; x < r.width; x += 1) {
        let block = 0;
        let count = 0;
        for (let dy = 0; dy < 2 && 2 * y + dy < f.height; dy += 1) {
          for (let dx = 0; dx < 2 && 2 * x + dx < f.width; dx += 1) {
            block += f.data[(2 * y + dy) * f.width + 2 * x + dx];
            count += 1;
          }
        }
        sum += Math.abs(r.data[y * r.width + x] - block / count);
      }
    }
    expect(sum / (r.width * r.height)).toBeLessThan(2);
  });

  it('leaves every other transfer syntax, and a level that would be too small, at full resolution', async () => {
    const jpeg = load(SAMPLE.crJpegBaseline);
    const rendered = await renderFrame(jpeg, { minLongSide: 16 });
    expect(rendered.reduction).toBe(1);
    expect([rendered.fullResolution.width, rendered.fullResolution.height]).toEqual([jpeg.dataset.Columns, jpeg.dataset.Rows]);
    const uncompressed = readPart10(new Uint8Array(readFileSync(path.resolve(__dirname, '../../../../samples/LF-DEMO-0001.dcm'))));
    expect((await renderFrame(uncompressed, { minLongSide: 16 })).reduction).toBe(1);
    const cr = load(SAMPLE.crJpeg2000Mono1);
    expect((await renderFrame(cr, { minLongSide: 1956 })).fullResolution.width).toBe(1841);
  });
});
