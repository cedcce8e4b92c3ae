import type { DecodedFrame } from './decodeFrame';

/**
 * One value per pixel from a decoded frame. Monochrome passes through. RGB becomes its ITU-R BT.601 luma
 * (0.299 R + 0.587 G + 0.114 B), which is also the Y of YBR_FULL (PS3.3 C.7.6.3.1.2), so YBR keeps its Y sample.
 * Planar Configuration 1 (R plane, G plane, B plane) and YBR_FULL_422 (Y1 Y2 Cb Cr per pixel pair) are unpacked.
 */
export function toGray(frame: DecodedFrame): Float32Array {
  const { values, samplesPerPixel, photometricInterpretation, planarConfiguration } = frame;
  if (samplesPerPixel === 1) return values;
  const pixels = frame.width * frame.height;
  const gray = new Float32Array(pixels);
  if (photometricInterpretation === 'YBR_FULL_422' && values.length === pixels * 2) {
    for (let p = 0; p < pixels; p += 1) gray[p] = values[(p >> 1) * 4 + (p & 1)];
    return gray;
  }
  const at = planarConfiguration === 1 ? (p: number, s: number) => s * pixels + p : (p: number, s: number) => p * 3 + s;
  if (photometricInterpretation.startsWith('YBR')) {
    for (let p = 0; p < pixels; p += 1) gray[p] = values[at(p, 0)];
  } else {
    for (let p = 0; p < pixels; p += 1) gray[p] = 0.299 * values[at(p, 0)] + 0.587 * values[at(p, 1)] + 0.114 * values[at(p, 2)];
  }
  return gray;
}
