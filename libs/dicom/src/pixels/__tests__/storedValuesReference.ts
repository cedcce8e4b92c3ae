import type { SampleLayout } from '../storedValues';

/**
 * storedValues as it was before the typed-array fast path (commit 6446a8c): one DataView read per sample. Kept as
 * the reference that storedValues.test.ts and bench/pixels compare the fast path with.
 */
export function storedValuesReference(bytes: Uint8Array, count: number, layout: SampleLayout): Float32Array {
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
      raw = bytes[i] as number;
    } else if (layout.bitsAllocated === 16) {
      raw = view.getUint16(i * 2, little);
    } else {
      raw = view.getUint32(i * 4, little);
    }
    if (!plain) raw = ((raw >>> shift) & mask) >>> 0;
    out[i] = layout.signed && raw >= signBit ? raw - 2 * signBit : raw;
  }
  return out;
}
