import { LungFlowError } from '@lungflow/errors';
import type { Classification } from '../OnnxClassifier';

/**
 * How several image results become one verdict.
 * - `max`: the image most suspicious for the operating-point class speaks for the group (CXR: any frontal view that
 *   shows disease makes the study positive).
 * - `mean-top-k`: the mean of the k images most suspicious for that class (CT: per-slice scores are noisy and a
 *   single slice artefact should not flip a volume, while a focal lesion visible on only a few slices must still
 *   count; with fewer than k slices it is the mean of all of them).
 * Whole probability vectors are averaged (not one class alone), so the result is still a distribution.
 */
export type AggregationRule = { method: 'max' } | { method: 'mean-top-k'; k: number };

export interface Aggregate {
  method: string;
  probabilities: Record<string, number>;
  decision: Classification['decision'];
  analysedImages: number;
}

export function describeRule(rule: AggregationRule): string {
  return rule.method === 'max' ? 'max' : `mean-top-${rule.k}`;
}

export function aggregateClassifications(results: readonly Classification[], rule: AggregationRule): Aggregate {
  if (results.length === 0) throw new LungFlowError('AGGREGATE_EMPTY', 'No image results to aggregate');
  const { className, threshold } = results[0].decision;
  const ranked = [...results].sort((a, b) => b.probabilities[className] - a.probabilities[className]);
  const take = rule.method === 'max' ? 1 : Math.max(1, Math.min(rule.k, ranked.length));
  const chosen = ranked.slice(0, take);
  const probabilities: Record<string, number> = {};
  for (const name of Object.keys(results[0].probabilities)) {
    probabilities[name] = chosen.reduce((sum, r) => sum + r.probabilities[name], 0) / chosen.length;
  }
  return {
    method: describeRule(rule),
    probabilities,
    decision: { className, threshold, positive: probabilities[className] >= threshold },
    analysedImages: results.length,
  };
}

/**
 * A study with several series (two CXR views, or a CXR and a CT) is as suspicious as its most suspicious series,
 * measured by how far the operating-point class lies above that series' own threshold (thresholds differ per model).
 */
export function aggregateSeries(series: readonly Aggregate[]): Aggregate {
  if (series.length === 0) throw new LungFlowError('AGGREGATE_EMPTY', 'No series results to aggregate');
  const margin = (a: Aggregate): number => a.probabilities[a.decision.className] - a.decision.threshold;
  const best = series.reduce((a, b) => (margin(b) > margin(a) ? b : a));
  const methods = [...new Set(series.map((s) => s.method))].join('+');
  return {
    ...best,
    method: series.length === 1 ? best.method : `${methods};series:max-margin`,
    analysedImages: series.reduce((n, s) => n + s.analysedImages, 0),
  };
}
