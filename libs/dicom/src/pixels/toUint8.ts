/**
 * Display values (0..255, floating) to bytes. MONOCHROME1 shows its lowest values white (PS3.3 C.7.6.3.1.2), so it
 * is inverted here, after VOI, where the inversion does not depend on the window. Values are truncated, not
 * rounded, after the inversion: that is what dcmtk does, and it makes our output equal dcmtk's bit for bit on
 * the uncompressed samples, which keeps the comparison test tight.
 */
export function toUint8(values: Float32Array, invert: boolean): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i += 1) {
    const v = Math.floor(invert ? 255 - values[i] : values[i]);
    out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return out;
}
