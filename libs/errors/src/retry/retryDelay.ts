import { LungFlowError } from '../LungFlowError';
import { backoffDelay, type BackoffPolicy } from './backoffDelay';

/** The longest Retry-After LungFlow honours: a PACS asking for more is still asked again after 10 minutes. */
export const RETRY_AFTER_CEILING_MS = 600_000;

/**
 * The wait before retry number `attempt` (1-based) after `error`: the backoff, or longer when the server said how
 * long to wait (a LungFlowError whose details carry `retryAfterMs`, from an HTTP Retry-After header).
 */
export function retryDelay(error: unknown, attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const delay = backoffDelay(attempt, policy, random);
  const asked = error instanceof LungFlowError ? error.details.retryAfterMs : undefined;
  return typeof asked === 'number' && Number.isFinite(asked) && asked > delay ? Math.min(asked, RETRY_AFTER_CEILING_MS) : delay;
}

/** Milliseconds from an HTTP Retry-After value (delta-seconds or an HTTP date, RFC 9110 §10.2.3); undefined if unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1_000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
