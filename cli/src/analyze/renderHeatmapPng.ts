import sharp from 'sharp';
import { heatmapOverlay } from '@lungflow/imaging';
import { lungMask, type Classification, type GrayImage } from '@lungflow/inference';

const MAX_SIDE = 1024;

/**
 * The operating-point class's activation map blended over the image (libs/imaging, the same overlay as the DICOM SC),
 * at most 1024 px on the long side so a 3000 px radiograph gives a PNG one can open quickly. A model that segments
 * the lungs (v2) colours only inside its lung mask.
 */
export async function renderHeatmapPng(image: GrayImage, result: Classification): Promise<Buffer> {
  const scale = Math.min(1, MAX_SIDE / Math.max(image.width, image.height));
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  const base = scale === 1
    ? image.data
    : new Uint8Array(await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 1 } }).resize(width, height, { fit: 'fill' }).extractChannel(0).raw().toBuffer());
  const { width: cw, height: ch, maps } = result.cam;
  const mask = result.lungs ? { ...lungMask(result.lungs, width, height, result.lungs.threshold), channels: 1 as const } : undefined;
  const overlay = await heatmapOverlay({ data: base, width, height, channels: 1 }, { data: maps[result.decision.className], width: cw, height: ch }, mask ? { mask } : {});
  return sharp(overlay.data, { raw: { width, height, channels: 3 } }).png().toBuffer();
}
