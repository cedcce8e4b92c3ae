import sharp from 'sharp';
import { colormap, type ColormapName } from './colormap';
import type { FloatMap, Raster } from './Raster';

export interface HeatmapOverlayOptions {
  /** Opacity of the hottest pixels (0..1); opacity falls linearly with activation so cold areas show the image. */
  alpha?: number;
  colormap?: ColormapName;
  /**
   * Where colour may go: a 1-channel mask at the image's size, 0 = outside (the image is left exactly as it is
   * there). A CAM that is zero outside the lungs is not enough on its own: min-max scaling gives zero a colour when
   * the map has negative values, and the bicubic upscale spreads colour a few pixels past the map's edge.
   */
  mask?: Raster;
}

/**
 * Blends a class activation map over an image: the map (e.g. 7×7 float) is min-max normalised, upscaled to the
 * image size with sharp's bicubic kernel (smooth, no blocky cells), coloured through the colour map and alpha-blended
 * with per-pixel opacity `alpha × activation`. Returns RGB. A constant map (no localisation) leaves the image as is,
 * rather than painting it one colour.
 */
export async function heatmapOverlay(image: Raster, cam: FloatMap, options: HeatmapOverlayOptions = {}): Promise<Raster> {
  const alpha = options.alpha ?? 0.45;
  if (!(alpha >= 0 && alpha <= 1)) throw new RangeError(`alpha must be within 0..1, got ${alpha}`);
  if (cam.data.length !== cam.width * cam.height || cam.width < 1 || cam.height < 1) {
    throw new RangeError(`heatmap of ${cam.data.length} values does not match ${cam.width}×${cam.height}`);
  }
  if (image.data.length !== image.width * image.height * image.channels) {
    throw new RangeError(`image of ${image.data.length} bytes does not match ${image.width}×${image.height}×${image.channels}`);
  }

  const mask = options.mask;
  if (mask && (mask.channels !== 1 || mask.width !== image.width || mask.height !== image.height || mask.data.length !== image.width * image.height)) {
    throw new RangeError(`mask ${mask.width}×${mask.height}×${mask.channels} does not match the image ${image.width}×${image.height}`);
  }

  let min = Infinity;
  let max = -Infinity;
  for (const v of cam.data) {
    if (!Number.isFinite(v)) throw new RangeError('heatmap holds a non-finite value');
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const range = max - min;
  const levels = new Uint8Array(cam.data.length);
  if (range > 0) cam.data.forEach((v, i) => (levels[i] = Math.round((255 * (v - min)) / range)));

  const upscaled = await sharp(levels, { raw: { width: cam.width, height: cam.height, channels: 1 } })
    .resize(image.width, image.height, { kernel: 'cubic', fit: 'fill' })
    .extractChannel(0) // sharp outputs sRGB (3 channels) for a 1-channel raw input otherwise
    .raw()
    .toBuffer();

  const table = blendTable(alpha, options.colormap);
  const out = blend(image, range > 0 ? upscaled : undefined, mask?.data, table);
  return { data: out, width: image.width, height: image.height, channels: 3 };
}

/**
 * The per-pixel loop, in a function of its own with typed arrays in locals and the grey case (every radiograph)
 * unrolled: one table row and three lookups per pixel, no per-channel branch (same bytes as the loop it replaced).
 */
function blend(image: Raster, levels: Uint8Array | undefined, mask: Uint8Array | undefined, table: Uint8Array): Uint8Array {
  const pixels = image.width * image.height;
  const out = new Uint8Array(pixels * 3);
  const src = image.data;
  const grey = image.channels === 1;
  for (let p = 0; p < pixels; p += 1) {
    const level = levels !== undefined && (mask === undefined || (mask[p] as number) > 0) ? (levels[p] as number) : 0;
    const row = level * 768;
    const o = p * 3;
    if (grey) {
      const at = row + (src[p] as number) * 3;
      out[o] = table[at] as number;
      out[o + 1] = table[at + 1] as number;
      out[o + 2] = table[at + 2] as number;
    } else {
      out[o] = table[row + (src[o] as number) * 3] as number;
      out[o + 1] = table[row + (src[o + 1] as number) * 3 + 1] as number;
      out[o + 2] = table[row + (src[o + 2] as number) * 3 + 2] as number;
    }
  }
  return out;
}

const blendTables = new Map<string, Uint8Array>();

/**
 * Every blended value, `[level][base][channel]`: 196,608 bytes computed once per (alpha, colour map), so the
 * per-pixel loop is one lookup instead of a multiply-add and a rounding per channel (same bytes as before).
 */
function blendTable(alpha: number, name: ColormapName | undefined): Uint8Array {
  const key = `${alpha}:${name ?? ''}`;
  let table = blendTables.get(key);
  if (table) return table;
  const lut = colormap(name);
  table = new Uint8Array(256 * 256 * 3);
  for (let level = 0; level < 256; level += 1) {
    const a = (alpha * level) / 255;
    for (let base = 0; base < 256; base += 1) {
      for (let c = 0; c < 3; c += 1) table[(level * 256 + base) * 3 + c] = Math.round(base * (1 - a) + (lut[level * 3 + c] as number) * a);
    }
  }
  if (blendTables.size > 16) blendTables.clear();
  blendTables.set(key, table);
  return table;
}
