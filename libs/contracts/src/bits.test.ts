import { packBitFrames, unpackBitFrame } from './bits';
import { packMask, unpackMask } from './index';

// PS3.5 §8.1.1: 1-bit Pixel Data, first pixel in the least significant bit; frames back to back; even length.
describe('packBitFrames / unpackBitFrame', () => {
  it('packs LSB first, continues the next frame in the same byte, and pads to an even length', () => {
    const a = Uint8Array.from([1, 0, 0, 1, 1]); // bits 0, 3, 4
    const b = Uint8Array.from([0, 1, 1]); // bits 6, 7 of the stream
    expect([...packBitFrames([a, b])]).toEqual([0b11011001, 0]);
    expect([...packBitFrames([a, b, Uint8Array.from([1])])]).toEqual([0b11011001, 0b00000001]);
    expect([...unpackBitFrame(packBitFrames([a, b]), 3, 5)]).toEqual([0, 1, 1]);
  });

  it('is what the event masks are made of: packMask bytes are packBitFrames bytes, and unpack back', () => {
    const data = Uint8Array.from({ length: 7 * 5 }, (_, i) => (i * 7) % 3 === 0 ? 1 : 0);
    const packed = packMask({ width: 7, height: 5, data });
    expect(Buffer.from(packed.data, 'base64').equals(Buffer.from(packBitFrames([data])))).toBe(true);
    expect(unpackMask(packed).data).toEqual(unpackBitFrame(packBitFrames([data]), data.length));
  });
});
