import { LungFlowError } from '@lungflow/errors';
import type { Classification } from '../OnnxClassifier';
import { decide, withoutLungs, type Decision } from '../decision/decide';

/**
 * How several image results become one verdict.
 * - `max`: the image most suspicious for the operating-point class speaks for the group (CXR: any frontal view that
 *   shows disease makes the study positive).
 * - `mean-top-k`: the mean of the k images most suspicious for that class (CT: per-slice scores are noisy and a
 *   single slice artefact should not flip a volume, while a focal lesion visible on only a few slices must still
 *   count; with fewer than k slices it is the mean of all of them).
 * Whole probability vectors are averaged (not one class alone), so the result is still a distribution.
 *
 * Indeterminate images (models that segment the lungs, v2):
 * - An image in which the model found no lungs (`reason: 'no-lungs'`) carries no evidence and is left out; the group
 *   is indeterminate (`no-lungs`) only when no image has lungs (its probabilities are then those of all images, so
 *   a reader still sees numbers, but nothing is called).
 * - An image whose probability lies in the card's indeterminate band is NOT left out: it is evidence that the group
 *   may be positive. The rule above runs over every image with lungs and the band is applied once more to the
 *   aggregated probability, so with `max` a study is positive when any image is, indeterminate when its most
 *   suspicious image is, negative only when every image with lungs is negative.
 * Results without a status (v1) behave as before: `positive = p >= threshold`.
 */
export type AggregationRule = { method: 'max' } | { method: 'mean-top-k'; k: number };

export interface Aggregate {
  method: string;
  probabilities: Record<string, number>;
  decision: Decision;
  analysedImages: number;
}

export function describeRule(rule: AggregationRule): string {
  return rule.method === 'max' ? 'max' : `mean-top-${rule.k}`;
}

function combine(results: readonly Classification[], rule: AggregationRule, className: string): Record<string, number> {
  const ranked = [...results].sort((a, b) => b.probabilities[className] - a.probabilities[className]);
  const take = rule.method === 'max' ? 1 : Math.max(1, Math.min(rule.k, ranked.length));
  const chosen = ranked.slice(0, take);
  const probabilities: Record<string, number> = {};
  for (const name of Object.keys(results[0].probabilities)) {
    probabilities[name] = chosen.reduce((sum, r) => sum + r.probabilities[name], 0) / chosen.length;
  }
  return probabilities;
}

export function aggregateClassifications(results: readonly Classification[], rule: AggregationRule): Aggregate {
  if (results.length === 0) throw new LungFlowError('AGGREGATE_EMPTY', 'No image results to aggregate');
  const { className, threshold, band } = results[0].decision;
  const withLungs = results.filter((r) => r.decision.reason !== 'no-lungs');
  const probabilities = combine(withLungs.length > 0 ? withLungs : results, rule, className);
  const decision: Decision =
    withLungs.length > 0
      ? decide(probabilities[className], { className, threshold, ...(band ? { band } : {}) })
      : withoutLungs({ className, threshold, ...(band ? { band } : {}) });
  return { method: describeRule(rule), probabilities, decision, analysedImages: results.length };
}

/** Series order of suspicion: positive, then uncertain (may be positive), then negative, then no lungs (no evidence). */
const RANK: Record<string, number> = { positive: 3, uncertain: 2, negative: 1, 'no-lungs': 0 };
const rankOf = (d: Decision): number => RANK[d.reason ?? d.status ?? (d.positive ? 'positive' : 'negative')] ?? 1;

/**
 * A study with several series (two CXR views, or a CXR and a CT) is as suspicious as its most suspicious series:
 * first by status (positive, then indeterminate-uncertain, then negative, then no lungs found; so a study is
 * indeterminate for lack of lungs only when no series has any), then by how far the operating-point class lies
 * above that series' own threshold (thresholds differ per model).
 */
export function aggregateSeries(series: readonly Aggregate[]): Aggregate {
  if (series.length === 0) throw new LungFlowError('AGGREGATE_EMPTY', 'No series results to aggregate');
  const margin = (a: Aggregate): number => a.probabilities[a.decision.className] - a.decision.threshold;
  const more = (a: Aggregate, b: Aggregate): boolean => rankOf(b.decision) > rankOf(a.decision) || (rankOf(b.decision) === rankOf(a.decision) && margin(b) > margin(a));
  const best = series.reduce((a, b) => (more(a, b) ? b : a));
  const methods = [...new Set(series.map((s) => s.method))].join('+');
  return {
    ...best,
    method: series.length === 1 ? best.method : `${methods};series:max-margin`,
    analysedImages: series.reduce((n, s) => n + s.analysedImages, 0),
  };
}
