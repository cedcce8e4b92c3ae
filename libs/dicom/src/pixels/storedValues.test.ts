import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readPart10 } from '../read/readPart10';
import { storedValues, type SampleLayout } from './storedValues';
import { storedValuesReference } from './__tests__/storedValuesReference';

const same = (a: Float32Array, b: Float32Array) => expect(Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength))).toBe(0);

describe('storedValues (typed-array fast path) = the per-sample DataView reads it replaced', () => {
  it('on every layout of 8- and 16-bit samples, at even and odd byte offsets, both byte orders', () => {
    const layout = fc
      .record({ bitsAllocated: fc.constantFrom(8, 16), signed: fc.boolean(), bigEndian: fc.boolean(), stored: fc.integer({ min: 1, max: 16 }), shift: fc.integer({ min: 0, max: 15 }) })
      .map(({ bitsAllocated, signed, bigEndian, stored, shift }): SampleLayout => {
        const bitsStored = Math.min(stored, bitsAllocated);
        const highBit = Math.min(bitsStored - 1 + shift, bitsAllocated - 1);
        return { bitsAllocated, bitsStored, highBit, signed, bigEndian };
      });
    fc.assert(
      fc.property(layout, fc.uint8Array({ minLength: 0, maxLength: 200 }), fc.integer({ min: 0, max: 3 }), (l, raw, skip) => {
        const bytes = raw.subarray(Math.min(skip, raw.length));
        const count = Math.floor(bytes.byteLength / (l.bitsAllocated / 8));
        same(storedValues(bytes, count, l), storedValuesReference(bytes, count, l));
      }),
      { numRuns: 2000 },
    );
  });

  it('throws the same RangeError as before on input shorter than the count', () => {
    const l: SampleLayout = { bitsAllocated: 16, bitsStored: 12, highBit: 11, signed: false, bigEndian: false };
    expect(() => storedValues(new Uint8Array(5), 3, l)).toThrow(/outside the bounds/);
  });

  it('on the native Pixel Data of the committed samples', () => {
    const dir = path.resolve(__dirname, '../../../../samples');
    for (const file of ['LF-DEMO-0001.dcm', 'LF-DEMO-0007.dcm']) {
      const instance = readPart10(new Uint8Array(readFileSync(path.join(dir, file))));
      const pixels = instance.pixelData;
      if (pixels === undefined || pixels.encapsulated) throw new Error(`${file} should be native`);
      const d = instance.dataset;
      const l: SampleLayout = { bitsAllocated: d.BitsAllocated as number, bitsStored: d.BitsStored as number, highBit: d.HighBit as number, signed: d.PixelRepresentation === 1, bigEndian: false };
      const count = (d.Rows as number) * (d.Columns as number);
      const bytes = pixels.buffers[0] as Uint8Array;
      same(storedValues(bytes, count, l), storedValuesReference(bytes, count, l));
    }
  });
});
