import sharp from 'sharp';
import { lungMask, type Classification } from '@lungflow/inference';

/**
 * The model's lung mask at the analysed image's own size, as an 8-bit grey PNG holding only 0 and 255 (the form in
 * which the segmentation is checked against reference masks), with its lung area fraction.
 */
export async function renderLungsPng(lungs: NonNullable<Classification['lungs']>, width: number, height: number): Promise<{ png: Buffer; areaFraction: number }> {
  const mask = lungMask(lungs, width, height, lungs.threshold);
  const png = await sharp(mask.data, { raw: { width, height, channels: 1 } }).toColourspace('b-w').png({ compressionLevel: 6 }).toBuffer();
  return { png, areaFraction: mask.areaFraction };
}
