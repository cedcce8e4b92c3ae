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
