import sharp from 'sharp';
import { LungFlowError } from '@lungflow/errors';
import type { GrayImage } from '../GrayImage';

/**
 * Decodes a PNG or JPEG chest image into 8-bit gray. A picture is taken as already windowed (it has no Hounsfield or
 * detector values to window), so this only reduces colour to luminance.
 *
 * Colour is reduced with the ITU-R 601-2 luma weights in the same fixed-point arithmetic as Pillow's
 * `Image.convert('L')`, which training uses, so a colour file gives the same bytes here as in training. Alpha is
 * ignored, as Pillow ignores it.
 */
export async function decodePicture(bytes: Uint8Array, source = 'picture'): Promise<GrayImage> {
  let decoded: { data: Buffer; info: sharp.OutputInfo };
  try {
    decoded = await sharp(bytes, { failOn: 'error' }).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch (cause) {
    throw new LungFlowError('PICTURE_UNREADABLE', `${source} is not a readable PNG or JPEG image: ${(cause as Error).message}`, { cause });
  }
  const { width, height, channels } = decoded.info;
  const src = decoded.data;
  const data = new Uint8Array(width * height);
  if (channels <= 2) {
    for (let i = 0; i < data.length; i += 1) data[i] = src[i * channels];
  } else {
    for (let i = 0, p = 0; i < data.length; i += 1, p += channels) {
      // Pillow: L = (R*19595 + G*38470 + B*7471 + 0x8000) >> 16
      data[i] = (src[p] * 19595 + src[p + 1] * 38470 + src[p + 2] * 7471 + 0x8000) >>> 16;
    }
  }
  return { width, height, data };
}
