import type { ModelCard } from '../modelCard';

/** What the operating point says about one image or study. */
export type DecisionStatus = 'positive' | 'negative' | 'indeterminate';

/**
 * Why a result is indeterminate: `no-lungs`: the segmentation found less lung than the card's `minAreaFraction` (CXR
 * v2, the graph's own segmentation) or, on a CT slice in HU, the classical segmentation found no lung region at all
 * (`ctSliceHasLungs`), so the classifier saw nothing to judge; `uncertain`: the probability lies in the card's
 * indeterminate band.
 */
export type IndeterminateReason = 'no-lungs' | 'uncertain';

export interface Decision {
  className: string;
  threshold: number;
  /** `status === 'positive'`: kept for v1 readers (an indeterminate result is not positive). */
  positive: boolean;
  status: DecisionStatus;
  /** Only when `status` is `indeterminate`. */
  reason?: IndeterminateReason;
  /** The card's indeterminate band, when it has one: a decision says which rule made it (aggregation re-applies it). */
  band?: { low: number; high: number };
}

/** The card's operating point as serving applies it. */
export interface DecisionRule {
  className: string;
  threshold: number;
  /** p with low <= p < high is indeterminate (half-open like the threshold rule `p >= threshold`). */
  band?: { low: number; high: number };
  /** Lung area fraction below which the result is indeterminate (`segmentation.minAreaFraction`). */
  minLungAreaFraction?: number;
}

export function decisionRuleOf(card: ModelCard): DecisionRule {
  const { className, threshold, indeterminate } = card.operatingPoint;
  return {
    className,
    threshold,
    ...(indeterminate ? { band: { low: indeterminate.low, high: indeterminate.high } } : {}),
    ...(card.segmentation ? { minLungAreaFraction: card.segmentation.minAreaFraction } : {}),
  };
}

/**
 * The decision for one probability of the rule's class. No lungs wins over everything (the probability of a
 * classifier that saw a masked-out image means nothing); then the band; then the threshold. A rule without band and
 * segmentation (every v1 card) gives exactly v1's `positive = p >= threshold`.
 */
export function decide(probability: number, rule: DecisionRule, lungAreaFraction?: number): Decision {
  const base = { className: rule.className, threshold: rule.threshold, ...(rule.band ? { band: { ...rule.band } } : {}) };
  if (rule.minLungAreaFraction !== undefined && lungAreaFraction !== undefined && lungAreaFraction < rule.minLungAreaFraction) {
    return withoutLungs(rule);
  }
  if (rule.band && probability >= rule.band.low && probability < rule.band.high) {
    return { ...base, positive: false, status: 'indeterminate', reason: 'uncertain' };
  }
  const positive = probability >= rule.threshold;
  return { ...base, positive, status: positive ? 'positive' : 'negative' };
}

/**
 * The no-lungs decision under a rule (or under an existing decision's rule): what an image whose lungs were not found
 * gets whatever its probability (decide), what a group gets when none of its images has lungs (aggregation), and what
 * a CT slice without any lung region gets (analyzeInstance), so the series' top-k rule reads only slices that show
 * lung (a neck or abdomen slice in a chest CT, or a head CT, carries no evidence about pneumonia, and ct-v1 reads the
 * whole slice with no notion of where the lungs are).
 */
export function withoutLungs(rule: Pick<Decision, 'className' | 'threshold' | 'band'>): Decision {
  const { className, threshold, band } = rule;
  return { className, threshold, positive: false, status: 'indeterminate', reason: 'no-lungs', ...(band ? { band: { ...band } } : {}) };
}
