import sharp from 'sharp';
import { outlinesPng } from './outlinesPng';

async function pixels(png: Buffer) {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  return { data, info, at: (x: number, y: number) => Array.from(data.subarray((y * info.width + x) * 4, (y * info.width + x) * 4 + 4)) };
}

describe('outlinesPng', () => {
  // 40 × 20 image: lung = columns 4..35, rows 2..17; lesion = columns 10..19, rows 6..13.
  const rows = 20;
  const columns = 40;
  const box = (x0: number, x1: number, y0: number, y1: number) => Uint8Array.from({ length: rows * columns }, (_, i) => Number(i % columns >= x0 && i % columns <= x1 && Math.floor(i / columns) >= y0 && Math.floor(i / columns) <= y1));
  const lung = box(4, 35, 2, 17);
  const lesion = box(10, 19, 6, 13);

  it('draws the outlines, not the fill, in their colours on a transparent picture the size of the image', async () => {
    const { info, at } = await pixels(await outlinesPng({ rows, columns, lung, lesion }, 1024));
    expect([info.width, info.height, info.channels]).toEqual([40, 20, 4]); // never enlarged
    expect(at(4, 10)).toEqual([0, 200, 255, 255]); // lung edge
    expect(at(10, 8)).toEqual([255, 210, 0, 255]); // lesion edge, over the lung
    expect(at(25, 10)[3]).toBe(0); // inside the lung, outside the lesion: clear
    expect(at(15, 10)[3]).toBe(0); // inside the lesion: clear, the image shows through
    expect(at(1, 1)[3]).toBe(0); // outside both
  });

  it('scales to fit the requested size, keeping the aspect', async () => {
    const { info } = await pixels(await outlinesPng({ rows, columns, lung }, 20));
    expect([info.width, info.height]).toEqual([20, 10]);
  });
});
