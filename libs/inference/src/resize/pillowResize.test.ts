import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { decodePicture } from '../picture/decodePicture';
import { sharedDataDir } from '../sharedData.testHelper';
import fc from 'fast-check';
import { pillowResize, type PillowFilter } from './pillowResize';
import { pillowResizeReference } from './__tests__/pillowResizeReference';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const load = (name: string) => decodePicture(new Uint8Array(readFileSync(path.join(sharedDataDir(), 'cxr/ieee8023/images', name))));

/**
 * Ground truth: sha256 of the bytes Pillow 13 produces for the same real images, computed with training's venv:
 * `np.asarray(Image.open(p).convert('L').resize((w, h), FILTER)).tobytes()`. Equal hashes mean every pixel is equal.
 */
const PILLOW: [string, PillowFilter, number, number, string][] = [
  ['000001-12.jpg', 'bilinear', 224, 224, '991c9288b8a74aae71dc36448e400efb784a9b4972141e0a597ada1a0962de2e'],
  ['000001-12.jpg', 'bicubic', 320, 320, '984cde0e62c1a955fa06442ee5f0cb128c2a82564f3456c5780b86687fbba351'],
  ['000001-12.jpg', 'lanczos', 512, 512, 'd1edebd8c9a621bc865138f1a240b228d78c7353fda8ed9aaf5d63359bef88d4'],
  ['000001-12.jpg', 'box', 100, 100, '6ae606ee2d719278c3fbbaae26e326b8ae6f1d585076734f15cee9c9eb01d0bf'],
  ['000001-12.jpg', 'hamming', 224, 224, '6ad2cedfeebe3f13f915a9e41b621e0546a2815e70601b49cb170d6b67798a4b'],
  ['000001-12.jpg', 'nearest', 224, 224, '8392ab5c6db6189307f20eae47b6a731a2d43886d3b0a1cd5b1870ec8649d91e'],
  ['000001-12.jpg', 'bicubic', 700, 300, '2383ec5b1893751444c645e91a4ed987a290dcba7fe076cb8f90ebaf38d844b5'],
  ['000001-2.jpg', 'bilinear', 224, 224, 'ed7727ceab1e79c342d40dc020fd1dbcc478c06bfd1510ac775041da148db830'],
];

describe('pillowResize', () => {
  it.each(PILLOW)('%s %s %d×%d is byte-identical to Pillow', async (name, filter, width, height, expected) => {
    const resized = pillowResize(await load(name), width, height, filter);
    expect([resized.width, resized.height]).toEqual([width, height]);
    expect(sha256(resized.data)).toBe(expected);
  });

  it('returns a copy, not the input, when the size does not change', () => {
    const image = { width: 2, height: 2, data: new Uint8Array([1, 2, 3, 4]) };
    const same = pillowResize(image, 2, 2, 'bilinear');
    expect(same.data).toEqual(image.data);
    expect(same.data).not.toBe(image.data);
  });

  // The int32 passes against the float64 passes they replaced (same weights, same order of the passes).
  it('gives the bytes of the float64 passes it replaced, for every filter, shrinking and enlarging', () => {
    const filters: PillowFilter[] = ['box', 'bilinear', 'hamming', 'bicubic', 'lanczos'];
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 90 }),
        fc.integer({ min: 1, max: 90 }),
        fc.integer({ min: 1, max: 120 }),
        fc.integer({ min: 1, max: 120 }),
        fc.constantFrom(...filters),
        fc.constantFrom('noise', 'edges'),
        fc.integer(),
        (w, h, outW, outH, filter, kind, seed) => {
          // noise, or 0/255 edges: the extremes that drive Lanczos's negative lobes to clip
          let state = seed | 0;
          const next = () => ((state = (Math.imul(state, 1103515245) + 12345) | 0) >>> 16) & 255;
          const data = Uint8Array.from({ length: w * h }, () => (kind === 'noise' ? next() : next() < 128 ? 0 : 255));
          const image = { width: w, height: h, data };
          expect(Buffer.from(pillowResize(image, outW, outH, filter).data).equals(Buffer.from(pillowResizeReference(image, outW, outH, filter).data))).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('gives the bytes of the float64 passes on real radiographs, to the model sizes', async () => {
    for (const name of ['000001-12.jpg', '000001-2.jpg']) {
      const image = await load(name);
      for (const size of [128, 224]) {
        expect(sha256(pillowResize(image, size, size, 'lanczos').data)).toBe(sha256(pillowResizeReference(image, size, size, 'lanczos').data));
      }
    }
  });
});
