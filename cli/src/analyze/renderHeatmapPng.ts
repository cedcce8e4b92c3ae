import sharp from 'sharp';
import type { Classification, GrayImage } from '@lungflow/inference';

const MAX_SIDE = 1024;

/** Jet-like ramp (blue → cyan → yellow → red) for a value in [0, 1]. */
function ramp(t: number): [number, number, number] {
  const clamp = (v: number): number => Math.max(0, Math.min(255, Math.round(v * 255)));
  return [clamp(1.5 - Math.abs(4 * t - 3)), clamp(1.5 - Math.abs(4 * t - 2)), clamp(1.5 - Math.abs(4 * t - 1))];
}

/**
 * The operating-point class's activation map, min-max normalised, upsampled to the picture and blended over it
 * (at most 1024 px on the long side). A quick look for the command-line user; the PACS gets the DICOM SC instead.
 */
export async function renderHeatmapPng(image: GrayImage, result: Classification): Promise<Buffer> {
  const scale = Math.min(1, MAX_SIDE / Math.max(image.width, image.height));
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  const base = await sharp(Buffer.from(image.data), { raw: { width: image.width, height: image.height, channels: 1 } }).resize(width, height).raw().toBuffer();
  const { width: cw, height: ch, maps } = result.cam;
  const cam = maps[result.decision.className];
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of cam) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  const camBytes = Buffer.alloc(cw * ch);
  cam.forEach((v, i) => { camBytes[i] = hi > lo ? Math.round(((v - lo) / (hi - lo)) * 255) : 0; });
  const up = await sharp(camBytes, { raw: { width: cw, height: ch, channels: 1 } }).resize(width, height, { kernel: 'cubic', fit: 'fill' }).raw().toBuffer();
  const rgb = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i += 1) {
    const t = up[i] / 255;
    const [r, g, b] = ramp(t);
    const alpha = 0.45 * t;
    rgb[i * 3] = Math.round(base[i] * (1 - alpha) + r * alpha);
    rgb[i * 3 + 1] = Math.round(base[i] * (1 - alpha) + g * alpha);
    rgb[i * 3 + 2] = Math.round(base[i] * (1 - alpha) + b * alpha);
  }
  return sharp(rgb, { raw: { width, height, channels: 3 } }).png().toBuffer();
}
