export type ColormapName = 'jet';

/**
 * A 256-entry RGB lookup table (768 bytes, r,g,b per entry). Jet is the piecewise-linear MATLAB map (blue → cyan →
 * yellow → red) that CAM overlays in the literature use, so readers recognise hot = high without a scale bar.
 */
export function colormap(name: ColormapName = 'jet'): Uint8Array {
  if (name !== 'jet') throw new RangeError(`unknown colour map "${String(name)}"`);
  const lut = new Uint8Array(256 * 3);
  const channel = (x: number): number => Math.round(255 * Math.min(1, Math.max(0, x)));
  for (let i = 0; i < 256; i += 1) {
    const t = i / 255;
    lut[i * 3] = channel(1.5 - Math.abs(4 * t - 3));
    lut[i * 3 + 1] = channel(1.5 - Math.abs(4 * t - 2));
    lut[i * 3 + 2] = channel(1.5 - Math.abs(4 * t - 1));
  }
  return lut;
}
