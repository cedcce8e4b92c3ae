/**
 * The worklist priority rule (README "Priority"). A study's priority at time `now` is
 *
 *   urgency + AGE_POINTS_PER_HOUR × hours waiting
 *   urgency = (decision positive ? POSITIVE_POINTS : 0) + PROBABILITY_POINTS × p
 *
 * where p is the study-level probability of the model's operating-point class (the class the decision is about)
 * and "waiting" counts from when the worklist first listed the study. Positives always start above negatives, the
 * more certain first; age lets a routine study climb so nothing waits for ever: a negative study overtakes a fresh
 * positive of the same probability after POSITIVE_POINTS / AGE_POINTS_PER_HOUR = 50 hours.
 *
 * Waiting counts from the first listing, not from StudyDate/StudyTime: those are the modality's clock (time zone and
 * drift vary) and an old study re-sent to the PACS would otherwise jump every queue.
 */
export const POSITIVE_POINTS = 100;
export const PROBABILITY_POINTS = 100;
export const AGE_POINTS_PER_HOUR = 2;

const HOUR_MS = 3_600_000;

export interface PriorityInput {
  positive: boolean;
  /** Probability of the decision's class, 0..1. */
  probability: number;
  /** When the worklist first listed the study (ISO 8601). */
  listedAt: string;
}

export function urgency(input: Pick<PriorityInput, 'positive' | 'probability'>): number {
  return (input.positive ? POSITIVE_POINTS : 0) + PROBABILITY_POINTS * input.probability;
}

/** Priority at `now`, for display; larger is read first. */
export function priorityAt(input: PriorityInput, now: Date): number {
  return urgency(input) + (AGE_POINTS_PER_HOUR * (now.getTime() - Date.parse(input.listedAt))) / HOUR_MS;
}

/**
 * The Redis sorted-set score: priorityAt(now) minus a term that depends on `now` alone, so every study's score
 * stays fixed while the order it gives equals the order of priorityAt at any moment (no re-scoring as time passes).
 */
export function sortKey(input: PriorityInput): number {
  return urgency(input) - (AGE_POINTS_PER_HOUR * Date.parse(input.listedAt)) / HOUR_MS;
}
