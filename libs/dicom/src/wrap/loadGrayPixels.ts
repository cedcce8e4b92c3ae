import sharp from 'sharp';

export interface GrayPixels {
  /** Row-major, one byte per pixel, 0 = black. */
  data: Uint8Array;
  rows: number;
  columns: number;
  /** The source was JPEG-compressed, so the pixels already went through lossy compression (PS3.3 C.7.6.1.1.5). */
  lossy: boolean;
  sourceFormat: string;
}

/**
 * Decodes a PNG or JPEG (bytes or a path) to 8-bit greyscale with sharp: EXIF orientation applied, transparency
 * flattened onto black, colour mixed to luma, 16-bit PNGs scaled to 8 bits. `maxSize` shrinks the longer side
 * (never enlarges) so wrapped files stay small.
 */
export async function loadGrayPixels(image: Uint8Array | string, maxSize?: number): Promise<GrayPixels> {
  const input = typeof image === 'string' ? image : Buffer.from(image.buffer, image.byteOffset, image.byteLength);
  const metadata = await sharp(input).metadata();
  if (metadata.format !== 'png' && metadata.format !== 'jpeg') {
    throw new RangeError(`loadGrayPixels: expected a PNG or JPEG image, got ${metadata.format ?? 'an unknown format'}`);
  }
  let pipeline = sharp(input).rotate().flatten({ background: '#000000' }).toColourspace('b-w');
  if (maxSize !== undefined) pipeline = pipeline.resize(maxSize, maxSize, { fit: 'inside', withoutEnlargement: true, kernel: 'lanczos3' });
  const { data, info } = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  if (info.channels !== 1) throw new Error(`loadGrayPixels: expected one channel after greyscale conversion, got ${info.channels}`);
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    rows: info.height,
    columns: info.width,
    lossy: metadata.format === 'jpeg',
    sourceFormat: metadata.format,
  };
}
