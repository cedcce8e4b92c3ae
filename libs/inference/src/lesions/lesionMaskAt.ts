import { bilinearAxis } from '../lungs/lungMask';
import type { Classification } from '../OnnxClassifier';
import { camScaleOf } from './lesionFeatures';
import type { LesionMapRule } from './lesionModel';

/**
 * The lesion mask at an image's own size (0/255, row-major): a pixel is lesion where the lung probability, upsampled
 * as `lungMask` does (bilinear, pixel centres aligned), is above the lung threshold, and the CAM, upsampled the same
 * way from its own grid and normalised as on the measurement grid, reaches the map's threshold. So the lesion mask
 * lies inside the lung mask of the same size, and its outline is smooth rather than 56-cell steps; the numbers
 * (LesionFindings) are measured on the 112 grid, which this mask approximates at full size.
 */
export function lesionMaskAt(classification: Pick<Classification, 'cam' | 'lungs'>, rule: LesionMapRule, width: number, height: number): Uint8Array {
  const { lungs, cam } = classification;
  if (!lungs) throw new RangeError('a lesion mask needs the lung map');
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) throw new RangeError(`bad mask size ${width}×${height}`);
  const camData = cam.maps[rule.className];
  if (!camData) throw new RangeError(`the classification has no CAM of class "${rule.className}"`);
  const plane = { width: cam.width, height: cam.height, data: camData };
  const scale = camScaleOf(lungs, lungs.threshold, plane, rule.normalise);
  const lx = bilinearAxis(width, lungs.width);
  const ly = bilinearAxis(height, lungs.height);
  const cx = bilinearAxis(width, cam.width);
  const cy = bilinearAxis(height, cam.height);
  const bilinear = (src: Float32Array, stride: number, row0: number, row1: number, wy: number, x0: number, x1: number, wx: number): number => {
    const top = (src[row0 * stride + x0] as number) + ((src[row0 * stride + x1] as number) - (src[row0 * stride + x0] as number)) * wx;
    const bottom = (src[row1 * stride + x0] as number) + ((src[row1 * stride + x1] as number) - (src[row1 * stride + x0] as number)) * wx;
    return top + (bottom - top) * wy;
  };
  const out = new Uint8Array(width * height);
  const threshold = rule.threshold * scale;
  for (let y = 0; y < height; y += 1) {
    const ly0 = ly.i0[y] as number;
    const ly1 = ly.i1[y] as number;
    const lwy = ly.w[y] as number;
    const cy0 = cy.i0[y] as number;
    const cy1 = cy.i1[y] as number;
    const cwy = cy.w[y] as number;
    for (let x = 0; x < width; x += 1) {
      if (!(bilinear(lungs.data, lungs.width, ly0, ly1, lwy, lx.i0[x] as number, lx.i1[x] as number, lx.w[x] as number) > lungs.threshold)) continue;
      if (bilinear(camData, cam.width, cy0, cy1, cwy, cx.i0[x] as number, cx.i1[x] as number, cx.w[x] as number) >= threshold) out[y * width + x] = 255;
    }
  }
  return out;
}
