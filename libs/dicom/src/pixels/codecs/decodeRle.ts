import type { CodecOutput } from './CodecOutput';

/**
 * Decodes one RLE Lossless frame (PS3.5 Annex G). The 64-byte header lists up to 15 segments; segment k holds
 * byte k of every sample, most significant byte first, for sample 0 then sample 1... (G.2). Each segment is
 * PackBits: a header byte n in 0..127 copies n+1 literal bytes, -127..-1 repeats the next byte 1-n times,
 * -128 is a no-op (G.3.1). Output is rebuilt as native little-endian interleaved samples.
 */
export function decodeRle(
  encoded: Uint8Array,
  geometry: { width: number; height: number; samplesPerPixel: number; bitsAllocated: 8 | 16 },
): CodecOutput {
  const { width, height, samplesPerPixel, bitsAllocated } = geometry;
  if (encoded.length < 64) throw new Error(`RLE frame of ${encoded.length} bytes has no 64-byte header`);
  const header = new DataView(encoded.buffer, encoded.byteOffset, 64);
  const segmentCount = header.getUint32(0, true);
  const bytesPerSample = bitsAllocated / 8;
  if (segmentCount !== samplesPerPixel * bytesPerSample) {
    throw new Error(`RLE header lists ${segmentCount} segments, the image needs ${samplesPerPixel * bytesPerSample}`);
  }
  const pixels = width * height;
  const out = new Uint8Array(pixels * samplesPerPixel * bytesPerSample);
  for (let segment = 0; segment < segmentCount; segment += 1) {
    const start = header.getUint32(4 + segment * 4, true);
    const end = segment + 1 < segmentCount ? header.getUint32(8 + segment * 4, true) : encoded.length;
    if (start < 64 || end > encoded.length || end < start) throw new Error(`RLE segment ${segment} lies outside the frame`);
    const sample = Math.floor(segment / bytesPerSample);
    // segment order is most significant byte first; little-endian output puts it last within the sample
    const byteInSample = bytesPerSample - 1 - (segment % bytesPerSample);
    const stride = samplesPerPixel * bytesPerSample;
    const base = sample * bytesPerSample + byteInSample;
    let pixel = 0;
    let i = start;
    while (i < end && pixel < pixels) {
      const n = encoded[i] > 127 ? encoded[i] - 256 : encoded[i];
      i += 1;
      if (n >= 0) {
        const count = Math.min(n + 1, pixels - pixel, end - i);
        for (let k = 0; k < count; k += 1) out[base + (pixel + k) * stride] = encoded[i + k];
        pixel += count;
        i += n + 1;
      } else if (n !== -128) {
        const count = Math.min(1 - n, pixels - pixel);
        const value = encoded[i];
        for (let k = 0; k < count; k += 1) out[base + (pixel + k) * stride] = value;
        pixel += count;
        i += 1;
      }
    }
    if (pixel < pixels) throw new Error(`RLE segment ${segment} ends after ${pixel} of ${pixels} pixels`);
  }
  return { bytes: out, width, height, samplesPerPixel, bitsAllocated };
}
