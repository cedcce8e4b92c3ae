import { readPart10 } from '@lungflow/dicom';
import { analysis, lesionFindings } from '../../dicom/src/write/__tests__/fixtures';
import { readSample, SAMPLE } from '../../dicom/src/read/__tests__/sampleFiles';
import { heatmap, lungMaskAt, resultObjects } from './resultObjects';

// A non-square source, so the 112-cell lung grid is stretched differently along each axis, as over a real film.
const WIDTH = 300;
const HEIGHT = 240;
const image = { width: WIDTH, height: HEIGHT, data: Uint8Array.from({ length: WIDTH * HEIGHT }, (_, i) => 40 + ((i * 7) % 160)) };
const lungs = lesionFindings().lungMask;

/**
 * A 56×56 CAM shaped like a segmenting model's: zero outside its lungs (the graph masks it), positive over the lesion
 * and negative elsewhere in the lungs, which is what cxr-v2's maps look like (golden.json: minima of -1 to -14).
 */
function camOfLungs(): { width: number; height: number; data: Float32Array } {
  const data = new Float32Array(56 * 56);
  for (let y = 0; y < 56; y += 1) {
    for (let x = 0; x < 56; x += 1) {
      if (!lungs.data[2 * y * 112 + 2 * x]) continue;
      data[y * 56 + x] = y > 30 && x < 20 ? 6 : -9;
    }
  }
  return { width: 56, height: 56, data };
}

/** Pixels of an RGB raster that are not grey, inside and outside a 0/255 mask. */
function colouredPixels(rgb: Uint8Array, mask: Uint8Array): { inside: number; outside: number } {
  let inside = 0;
  let outside = 0;
  for (let i = 0; i < mask.length; i += 1) {
    const coloured = rgb[3 * i] !== rgb[3 * i + 1] || rgb[3 * i + 1] !== rgb[3 * i + 2];
    if (!coloured) continue;
    if (mask[i]) inside += 1;
    else outside += 1;
  }
  return { inside, outside };
}

describe('heatmap: colour only inside the lungs of a segmenting model', () => {
  it('without the lung grid, a CAM that is zero outside the lungs still colours the outside (min-max makes zero warm)', async () => {
    const drawn = await heatmap(image, camOfLungs(), { maxSide: 1024 });
    const { outside } = colouredPixels(drawn.overlay.data, lungMaskAt(lungs, WIDTH, HEIGHT).data);
    expect(outside).toBeGreaterThan(0.3 * WIDTH * HEIGHT);
  });

  it('with the lung grid, every pixel outside it is the source grey, and the lungs are coloured', async () => {
    const drawn = await heatmap(image, camOfLungs(), { maxSide: 1024, lungMask: lungs });
    const mask = lungMaskAt(lungs, WIDTH, HEIGHT).data;
    const { inside, outside } = colouredPixels(drawn.overlay.data, mask);
    expect(outside).toBe(0);
    expect(inside).toBeGreaterThan(0.2 * mask.filter(Boolean).length);
    for (let i = 0; i < mask.length; i += 1) if (!mask[i]) expect(drawn.overlay.data[3 * i]).toBe(image.data[i]);
  });

  it('resamples the grid as the SEG does (nearest, by pixel centres), 255 inside', () => {
    const grid = { width: 2, height: 2, data: Uint8Array.from([1, 0, 0, 1]) };
    expect(Array.from(lungMaskAt(grid, 5, 3).data)).toEqual([255, 255, 0, 0, 0, 0, 0, 255, 255, 255, 0, 0, 255, 255, 255]);
  });
});

describe('resultObjects', () => {
  it('masks the SC heatmap by the result\'s own lung grid (lesions.lungMask), so the report and the CLI draw the same', async () => {
    const source = readPart10(readSample(SAMPLE.crJpegBaseline)).dataset;
    const result = analysis(source, { lesions: lesionFindings() });
    const objects = await resultObjects(result, image, camOfLungs(), { maxSide: 1024 });
    expect(colouredPixels(objects.heatmap.overlay.data, lungMaskAt(lungs, WIDTH, HEIGHT).data).outside).toBe(0);
    expect(objects.seg).toBeDefined();
    const plain = await resultObjects(analysis(source), image, camOfLungs(), { maxSide: 1024 });
    expect(colouredPixels(plain.heatmap.overlay.data, lungMaskAt(lungs, WIDTH, HEIGHT).data).outside).toBeGreaterThan(0);
  });
});
