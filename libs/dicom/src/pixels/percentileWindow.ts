const HISTOGRAM_MAX_BINS = 1 << 20;
const SORT_MAX_SAMPLES = 1 << 18;

/**
 * A window spanning the `low`..`high` percentiles of the values: the fallback for radiographs that carry no
 * window. Percentiles ignore the outliers (collimator edges, burned-in labels) that a min-max window would fit.
 * Integer data within 2^20 levels (every stored or rescaled-by-1 value) get exact percentiles from a histogram in
 * one pass; other data sort an evenly spaced sample of at most 2^18 values. Both are deterministic.
 */
export function percentileWindow(values: Float32Array, low: number, high: number): { center: number; width: number } {
  if (values.length === 0) return { center: 0, width: 1 };
  let min = Infinity;
  let max = -Infinity;
  let integers = true;
  for (let i = 0; i < values.length; i += 1) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
    if (integers && v !== Math.trunc(v)) integers = false;
  }
  if (!Number.isFinite(min) || !Number.isFinite(max)) return { center: 0, width: 1 };
  const [lo, hi] =
    integers && max - min < HISTOGRAM_MAX_BINS ? fromHistogram(values, min, max, low, high) : fromSample(values, low, high);
  return { center: (lo + hi) / 2, width: Math.max(hi - lo, 1) };
}

/** The value at rank round(p/100 × (n − 1)) of the sorted values, for both percentiles. */
function fromHistogram(values: Float32Array, min: number, max: number, low: number, high: number): [number, number] {
  const counts = new Uint32Array(max - min + 1);
  for (let i = 0; i < values.length; i += 1) counts[values[i] - min] += 1;
  const rank = (p: number) => Math.min(values.length - 1, Math.max(0, Math.round((p / 100) * (values.length - 1))));
  const at = (target: number) => {
    let seen = 0;
    for (let bin = 0; bin < counts.length; bin += 1) {
      seen += counts[bin];
      if (seen > target) return bin + min;
    }
    return max;
  };
  return [at(rank(low)), at(rank(high))];
}

function fromSample(values: Float32Array, low: number, high: number): [number, number] {
  const stride = Math.max(1, Math.ceil(values.length / SORT_MAX_SAMPLES));
  const sample = new Float32Array(Math.ceil(values.length / stride));
  for (let i = 0, j = 0; i < values.length; i += stride, j += 1) sample[j] = values[i];
  sample.sort();
  const at = (p: number) => sample[Math.min(sample.length - 1, Math.max(0, Math.round((p / 100) * (sample.length - 1))))];
  return [at(low), at(high)];
}

/**
 * percentileWindow of a frame given as distinct values and their counts: `binValues[b]` is the value of bin `b`,
 * `counts[b]` how many pixels hold it (0: none, the bin's value is ignored), `pixelBin(i)` the bin of pixel `i` (for
 * the sampling path only). Same result as percentileWindow over the pixels' values, bit for bit: the same ranks,
 * the same histogram-or-sample rule, the same sample. Every counted value must be finite.
 */
export function percentileWindowOfBins(
  binValues: Float32Array,
  counts: Uint32Array,
  pixels: number,
  pixelBin: (pixel: number) => number,
  low: number,
  high: number,
): { center: number; width: number } {
  if (pixels === 0) return { center: 0, width: 1 };
  let min = Infinity;
  let max = -Infinity;
  let integers = true;
  let ascending = true;
  let previous = -Infinity;
  for (let b = 0; b < counts.length; b += 1) {
    if (counts[b] === 0) continue;
    const v = binValues[b];
    if (v < min) min = v;
    if (v > max) max = v;
    if (integers && v !== Math.trunc(v)) integers = false;
    if (v < previous) ascending = false;
    previous = v;
  }
  let lo: number;
  let hi: number;
  if (integers && max - min < HISTOGRAM_MAX_BINS) {
    // The bins in order of value (already so for any increasing Modality LUT): walking them is walking the histogram.
    const order: number[] = [];
    for (let b = 0; b < counts.length; b += 1) if (counts[b] !== 0) order.push(b);
    if (!ascending) order.sort((a, b) => binValues[a] - binValues[b]);
    const rank = (p: number) => Math.min(pixels - 1, Math.max(0, Math.round((p / 100) * (pixels - 1))));
    const at = (target: number) => {
      let seen = 0;
      for (const b of order) {
        seen += counts[b];
        if (seen > target) return binValues[b];
      }
      return max;
    };
    lo = at(rank(low));
    hi = at(rank(high));
  } else {
    const stride = Math.max(1, Math.ceil(pixels / SORT_MAX_SAMPLES));
    const sample = new Float32Array(Math.ceil(pixels / stride));
    for (let i = 0, j = 0; i < pixels; i += stride, j += 1) sample[j] = binValues[pixelBin(i)];
    sample.sort();
    const at = (p: number) => sample[Math.min(sample.length - 1, Math.max(0, Math.round((p / 100) * (sample.length - 1))))];
    lo = at(low);
    hi = at(high);
  }
  return { center: (lo + hi) / 2, width: Math.max(hi - lo, 1) };
}
