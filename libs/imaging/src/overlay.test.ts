import sharp from 'sharp';
import { colormap, heatmapOverlay, legend, type Raster } from './index';

const grey = (width: number, height: number, value: number): Raster => ({ data: new Uint8Array(width * height).fill(value), width, height, channels: 1 });
const px = (img: Raster, x: number, y: number): number[] => Array.from(img.data.subarray((y * img.width + x) * img.channels, (y * img.width + x + 1) * img.channels));

describe('colormap (jet)', () => {
  it('runs dark blue → green → dark red', () => {
    const lut = colormap('jet');
    expect(lut).toHaveLength(768);
    expect(Array.from(lut.subarray(0, 3))).toEqual([0, 0, 128]);
    expect(Array.from(lut.subarray(255 * 3))).toEqual([128, 0, 0]);
    const mid = Array.from(lut.subarray(128 * 3, 129 * 3));
    expect(mid[1]).toBe(255);
    expect(mid[0]).toBeLessThan(140);
  });
});

describe('heatmapOverlay', () => {
  it('colours the hot corner red-ish and leaves the cold corner as the image, at the image size', async () => {
    const cam = { data: new Float32Array(49), width: 7, height: 7 };
    cam.data[48] = 5; // bottom-right cell hot
    const out = await heatmapOverlay(grey(140, 100, 100), cam, { alpha: 0.5 });
    expect([out.width, out.height, out.channels, out.data.length]).toEqual([140, 100, 3, 140 * 100 * 3]);
    expect(px(out, 0, 0)).toEqual([100, 100, 100]);
    const [r, g, b] = px(out, 139, 99) as [number, number, number];
    expect(r).toBeGreaterThan(100);
    expect(b).toBeLessThan(60);
    expect(g).toBeLessThan(r);
  });

  it('leaves every pixel outside the mask exactly as the image, even where the map is hot', async () => {
    const cam = { data: new Float32Array([-2, 5, -2, 5]), width: 2, height: 2 }; // right half hot, left negative
    const mask = grey(40, 20, 0);
    for (let y = 0; y < 20; y += 1) for (let x = 30; x < 40; x += 1) mask.data[y * 40 + x] = 255;
    const out = await heatmapOverlay(grey(40, 20, 100), cam, { alpha: 0.5, mask });
    for (let y = 0; y < 20; y += 1) for (let x = 0; x < 30; x += 1) expect(px(out, x, y)).toEqual([100, 100, 100]);
    expect(px(out, 35, 10)).not.toEqual([100, 100, 100]);
    await expect(heatmapOverlay(grey(40, 20, 100), cam, { mask: grey(20, 20, 255) })).rejects.toThrow(/mask/);
  });

  it('keeps RGB input, leaves the image untouched for a constant map, rejects bad shapes', async () => {
    const rgb: Raster = { data: new Uint8Array(4 * 4 * 3).map((_, i) => i), width: 4, height: 4, channels: 3 };
    const flat = await heatmapOverlay(rgb, { data: new Float32Array(4).fill(0.3), width: 2, height: 2 });
    expect(Array.from(flat.data)).toEqual(Array.from(rgb.data));
    await expect(heatmapOverlay(rgb, { data: new Float32Array(3), width: 2, height: 2 })).rejects.toThrow(RangeError);
    await expect(heatmapOverlay(rgb, { data: new Float32Array([NaN]), width: 1, height: 1 })).rejects.toThrow(/non-finite/);
  });
});

describe('legend', () => {
  it('burns visible white text (needs a font: fonts-dejavu-core) into a dark box top-left', async () => {
    const out = await legend(grey(400, 300, 128), ['AI result, not for diagnosis', 'model 1.0.0', 'p = 0.81']);
    expect([out.width, out.height, out.channels]).toEqual([400, 300, 3]);
    let white = 0;
    let dark = 0;
    for (let y = 0; y < 60; y += 1) {
      for (let x = 0; x < 200; x += 1) {
        const [r, g, b] = px(out, x, y) as [number, number, number];
        if (r > 200 && g > 200 && b > 200) white += 1;
        if (r < 70) dark += 1;
      }
    }
    expect(white).toBeGreaterThan(200); // glyph pixels
    expect(dark).toBeGreaterThan(2000); // the box
    expect(px(out, 399, 299)).toEqual([128, 128, 128]); // far corner untouched
  });

  it('renders real glyphs: "WWWWWWWW" runs much wider than "iiiiiiii" (missing-glyph boxes would not)', async () => {
    const extent = async (text: string): Promise<number> => {
      const out = await legend(grey(600, 60, 0), [text], { fontSize: 24 });
      let right = 0;
      for (let i = 0; i < out.data.length; i += 3) if ((out.data[i] as number) > 200) right = Math.max(right, (i / 3) % out.width);
      return right;
    };
    const narrow = await extent('iiiiiiii');
    expect(narrow).toBeGreaterThan(0);
    expect(await extent('WWWWWWWW')).toBeGreaterThan(narrow * 2);
  });

  it('escapes markup in the text', async () => {
    const out = await legend(grey(200, 80, 0), ['<b>&"x\'</b>']);
    expect((await sharp(out.data, { raw: { width: 200, height: 80, channels: 3 } }).stats()).channels[0]?.max).toBeGreaterThan(200);
  });
});
