/** How one frame's samples sit in its bytes. */
export interface SampleLayout {
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  signed: boolean;
  bigEndian: boolean;
}

/**
 * Reads `count` samples from native pixel bytes into stored values: the Bits Stored bits that end at High Bit,
 * sign-extended for two's complement (PS3.5 8.1.1 and 8.2). Bits outside Bits Stored may hold overlays or garbage,
 * so they are masked off rather than trusted.
 */
export function storedValues(bytes: Uint8Array, count: number, layout: SampleLayout): Float32Array {
  const out = new Float32Array(count);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = !layout.bigEndian;
  const shift = layout.highBit + 1 - layout.bitsStored;
  const mask = layout.bitsStored >= 32 ? 0xffffffff : 2 ** layout.bitsStored - 1;
  const signBit = 2 ** (layout.bitsStored - 1);
  const plain = shift === 0 && layout.bitsStored === layout.bitsAllocated;
  for (let i = 0; i < count; i += 1) {
    let raw: number;
    if (layout.bitsAllocated === 8) {
      raw = bytes[i];
    } else if (layout.bitsAllocated === 16) {
      raw = view.getUint16(i * 2, little);
    } else {
      raw = view.getUint32(i * 4, little);
    }
    // bit operators keep this integer arithmetic: a floating % here costs ten times the whole loop
    if (!plain) raw = ((raw >>> shift) & mask) >>> 0;
    out[i] = layout.signed && raw >= signBit ? raw - 2 * signBit : raw;
  }
  return out;
}
