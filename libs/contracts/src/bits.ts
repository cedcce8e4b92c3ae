/**
 * 1-bit packing as DICOM Pixel Data does it (PS3.5 §8.1.1): pixel i of the stream is bit i, the first pixel in the
 * least significant bit; several frames follow each other bit by bit with no padding between them; the whole value
 * is padded to an even length. The one implementation behind the event masks (`packMask`, lesions.ts) and libs/dicom's
 * SEG Pixel Data (`packBits`, `packFrames`, `unpackBits`), so the two cannot drift apart. Here, not in libs/dicom,
 * because contracts must stay readable without libs/dicom's codecs and sharp.
 */

/** Packs 0/non-0-per-pixel frames back to back, LSB first, even length. */
export function packBitFrames(frames: readonly ArrayLike<number>[]): Uint8Array {
  const total = frames.reduce((sum, frame) => sum + frame.length, 0);
  const bytes = Math.ceil(total / 8);
  const out = new Uint8Array(bytes + (bytes % 2));
  let bit = 0;
  for (const frame of frames) {
    for (let i = 0; i < frame.length; i += 1, bit += 1) if (frame[i]) out[bit >> 3] = (out[bit >> 3] as number) | (1 << (bit & 7));
  }
  return out;
}

/** `pixels` values (0/1) from packed bits, starting `offset` pixels in (to skip earlier frames). */
export function unpackBitFrame(packed: ArrayLike<number>, pixels: number, offset = 0): Uint8Array {
  const out = new Uint8Array(pixels);
  for (let i = 0; i < pixels; i += 1) {
    const bit = offset + i;
    out[i] = (((packed[bit >> 3] ?? 0) as number) >> (bit & 7)) & 1;
  }
  return out;
}
