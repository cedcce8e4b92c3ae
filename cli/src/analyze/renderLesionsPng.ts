import sharp from 'sharp';
import { lesionMaskAt, type Classification, type LesionMapRule } from '@lungflow/inference';

/**
 * The lesion mask at the analysed image's own size, as an 8-bit grey PNG of 0 and 255 like `<stem>.lungs.png`: the
 * lung and CAM maps upsampled the way the lung mask is (lesionMaskAt), so the lesions lie inside that lung mask.
 */
export async function renderLesionsPng(classification: Pick<Classification, 'cam' | 'lungs'>, rule: LesionMapRule, width: number, height: number): Promise<Buffer> {
  const mask = lesionMaskAt(classification, rule, width, height);
  return sharp(mask, { raw: { width, height, channels: 1 } }).toColourspace('b-w').png({ compressionLevel: 6 }).toBuffer();
}
