import fc from 'fast-check';
import { percentileWindow, percentileWindowOfBins } from './percentileWindow';

describe('percentileWindow', () => {
  const ramp = Float32Array.from({ length: 1000 }, (_, i) => 999 - i);

  it('takes the values at ranks round(p/100 × (n − 1)) of integer data (histogram path)', () => {
    // ranks 5 and 994 of 0..999
    expect(percentileWindow(ramp, 0.5, 99.5)).toEqual({ center: (5 + 994) / 2, width: 989 });
    expect(percentileWindow(ramp, 0, 100)).toEqual({ center: 499.5, width: 999 });
  });

  it('gives the same ranks for non-integer data (sorting path)', () => {
    expect(percentileWindow(ramp.map((v) => v + 0.5), 0.5, 99.5)).toEqual({ center: (5.5 + 994.5) / 2, width: 989 });
  });

  it('keeps a width of at least 1 for a flat image', () => {
    expect(percentileWindow(new Float32Array(16).fill(-1000), 0.5, 99.5)).toEqual({ center: -1000, width: 1 });
  });

  it('gives the same window from bins and counts as from the pixels (percentileWindowOfBins, both branches)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 400 }),
        fc.constantFrom(1, -1, 0.5, -0.25, 3),
        fc.integer({ min: -50, max: 50 }),
        fc.tuple(fc.double({ min: 0, max: 50, noNaN: true }), fc.double({ min: 50, max: 100, noNaN: true })),
        (bins, slope, intercept, [low, high]) => {
          const binValues = Float32Array.from({ length: 41 }, (_, b) => b * slope + intercept);
          const counts = new Uint32Array(41);
          for (const b of bins) counts[b] += 1;
          const pixels = Float32Array.from(bins, (b) => binValues[b] as number);
          expect(percentileWindowOfBins(binValues, counts, bins.length, (i) => bins[i] as number, low, high)).toEqual(percentileWindow(pixels, low, high));
        },
      ),
      { numRuns: 1000 },
    );
  });
});
