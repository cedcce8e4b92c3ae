/**
 * Display values (0..255, floating) to bytes. MONOCHROME1 shows its lowest values white (PS3.3 C.7.6.3.1.2), so it
 * is inverted here, after VOI, where the inversion does not depend on the window. Values are truncated, not
 * rounded, after the inversion: that is what dcmtk does, and it makes our output equal dcmtk's bit for bit on
 * the uncompressed samples, which keeps the comparison test tight.
 */
export function toUint8(values: Float32Array, invert: boolean): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i += 1) {
    const y = invert ? 255 - values[i] : values[i];
    // truncation of a value already clamped to 0..255 (| 0 truncates toward zero, as floor does for y >= 0)
    out[i] = y <= 0 ? 0 : y >= 255 ? 255 : y | 0;
  }
  return out;
}
