/**
 * A window spanning the `low`..`high` percentiles of the values: the fallback for radiographs that carry no
 * window. Percentiles ignore the outliers (collimator edges, burned-in labels) that a min-max window would fit.
 * At most about 2^20 evenly spaced samples are sorted, so the cost is bounded and the result deterministic.
 */
export function percentileWindow(values: Float32Array, low: number, high: number): { center: number; width: number } {
  const stride = Math.max(1, Math.ceil(values.length / 2 ** 20));
  const sample = new Float32Array(Math.ceil(values.length / stride));
  for (let i = 0, j = 0; i < values.length; i += stride, j += 1) sample[j] = values[i];
  sample.sort();
  const at = (p: number) => sample[Math.min(sample.length - 1, Math.max(0, Math.round((p / 100) * (sample.length - 1))))];
  const lo = at(low);
  const hi = at(high);
  return { center: (lo + hi) / 2, width: Math.max(hi - lo, 1) };
}
