export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

/**
 * Delay before retry number `attempt` (1-based): exponential with "equal jitter" (between half and all of the
 * exponential cap), so replicas that failed together do not retry in lock-step against a recovering PACS or broker.
 */
export function backoffDelay(attempt: number, { initialMs, maxMs }: BackoffOptions, random: () => number = Math.random): number {
  const cap = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(cap / 2 + (random() * cap) / 2);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
