import { percentileWindow } from './percentileWindow';

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
});
