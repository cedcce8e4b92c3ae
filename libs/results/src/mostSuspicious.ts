/** What the rule reads of one image result: an event's InstanceResult and an in-process Classification both fit. */
export interface Suspicion {
  probabilities: Record<string, number>;
  decision: { className: string; threshold: number; reason?: string };
}

/** How far an image's operating-point class lies above its threshold; an image without lungs ranks below every other. */
export function suspicionMargin(result: Suspicion): number {
  // Margins lie in [-1, 1]: 2 puts an image without lungs (its CAM is all zero, nothing to draw) below any with lungs.
  return (result.probabilities[result.decision.className] ?? 0) - result.decision.threshold - (result.decision.reason === 'no-lungs' ? 2 : 0);
}

/**
 * The image whose result is drawn (SC, SEG, the SR's image references): the largest margin, the first one on ties.
 * The report service and `lungflow analyze` both pick with this, so the same study draws the same image.
 */
export function mostSuspicious<T extends Suspicion>(results: readonly T[]): T {
  if (results.length === 0) throw new RangeError('mostSuspicious needs at least one result');
  let best = results[0] as T;
  for (const result of results) if (suspicionMargin(result) > suspicionMargin(best)) best = result;
  return best;
}
