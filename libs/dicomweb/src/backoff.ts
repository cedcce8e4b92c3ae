export interface RetryOptions {
  /** Attempts after the first one. */
  retries: number;
  minDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { retries: 3, minDelayMs: 200, maxDelayMs: 5_000 };

/**
 * Delay before retry number `attempt` (0-based): exponential growth capped at maxDelayMs, with "full jitter"
 * (a uniform draw between minDelayMs and the cap) so that many workers retrying after one PACS outage spread out
 * instead of hammering it in step.
 */
export function backoff(attempt: number, options: RetryOptions, random: () => number = Math.random): number {
  const cap = Math.min(options.maxDelayMs, options.minDelayMs * 2 ** attempt);
  return Math.round(options.minDelayMs + random() * Math.max(0, cap - options.minDelayMs));
}
