/** Exponential backoff: the delay before retry number n grows from `initialMs` and is capped at `maxMs`. */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 200, maxMs: 30_000 };

/**
 * The one backoff formula of LungFlow. Delay before retry number `attempt` (1-based): exponential, capped, with
 * "equal jitter" (between half and all of the cap) so that replicas which failed together do not retry in lock-step
 * against a recovering PACS, broker or Redis, while every retry still waits at least half its step.
 */
export function backoffDelay(attempt: number, { initialMs, maxMs }: BackoffPolicy, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(0, attempt - 1), 40); // 2**40 × any initialMs is past every cap
  const cap = Math.min(maxMs, initialMs * 2 ** exponent);
  return Math.round(cap / 2 + (random() * cap) / 2);
}
