import sharp from 'sharp';
import type { GrayImage } from './GrayImage';

/**
 * The resize contract that training must mirror: sharp (libvips) `resize(size, size, { fit: 'fill', kernel:
 * 'lanczos3' })` on the 8-bit gray image. The whole image is stretched to size × size: the aspect ratio is not
 * kept, nothing is cropped or padded. Pillow's `img.resize((size, size), Image.LANCZOS)` is the nearest
 * equivalent but is not guaranteed to agree bit for bit; a consumer that needs Pillow's exact bytes resizes
 * `fullResolution` itself (libs/inference has a Pillow-exact resize).
 */
export const RESIZE_CONTRACT = Object.freeze({ library: 'sharp', fit: 'fill', kernel: 'lanczos3' } as const);

export async function resize(image: GrayImage, size: number): Promise<GrayImage> {
  if (!(Number.isInteger(size) && size > 0 && size <= 16384)) throw new RangeError(`resize size ${size} must be an integer in 1..16384`);
  if (image.width === size && image.height === size) return image;
  const { data, info } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 1 } })
    .resize(size, size, { fit: RESIZE_CONTRACT.fit, kernel: RESIZE_CONTRACT.kernel })
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 1 || data.length !== size * size) throw new Error(`sharp returned ${info.channels} channels, ${data.length} bytes`);
  return { width: size, height: size, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}
