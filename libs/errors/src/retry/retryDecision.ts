import { ERROR_CODES, type ErrorCodeEntry } from '../codes';
import { LungFlowError } from '../LungFlowError';
import { classifyFailure } from './classifyFailure';

/** Attempts an unclassified error gets: a library error we do not know is more often a blip than a bad message. */
export const UNKNOWN_ERROR_ATTEMPTS = 3;

/**
 * The ceiling on attempts for a retriable failure, whatever a setting asks: with the default 30 s backoff cap it is
 * about 8 hours of outage, long enough for a night of PACS maintenance, short enough that one message that can
 * never succeed does not block its partition until retention deletes what queued behind it.
 */
export const MAX_ATTEMPTS_CEILING = 1_000;

/** The catalogue's own cap for this error's code (e.g. DICOMWEB_TIMEOUT: a few timeouts of one object, not hours). */
export function codeAttemptCap(error: unknown): number | undefined {
  return error instanceof LungFlowError ? (ERROR_CODES[error.code] as ErrorCodeEntry).maxAttempts : undefined;
}

/**
 * A time limit on retrying one message: `failingForMs` since its first failure, `maxMs` allowed. Attempt counts
 * alone do not bound time (a PACS asking Retry-After: 600 makes each attempt 10 minutes), and operators think of an
 * outage in hours, not attempts.
 */
export interface RetryWindow {
  failingForMs: number;
  maxMs: number;
}

/**
 * Whether attempt number `attempt` (1-based, just failed with `error`) is followed by another. Permanent and
 * programming errors: never. Unknown errors: up to UNKNOWN_ERROR_ATTEMPTS. Transient ones: up to `maxAttempts`
 * (capped by MAX_ATTEMPTS_CEILING; 0, Infinity or a negative number mean the ceiling), and, where the catalogue gives
 * the error's code a cap of its own, until `codeAttempts` (failures with this code so far; the caller counts them,
 * default `attempt`) reaches it: a PACS outage interrupted by a few timeouts is not given up early. With a `window`,
 * also only while the message has been failing for less than `window.maxMs` (so it is retried for at least that
 * long, and at most one more backoff longer).
 */
export function shouldRetry(error: unknown, attempt: number, maxAttempts: number = MAX_ATTEMPTS_CEILING, codeAttempts: number = attempt, window?: RetryWindow): boolean {
  const limit = maxAttempts > 0 && Number.isFinite(maxAttempts) ? Math.min(maxAttempts, MAX_ATTEMPTS_CEILING) : MAX_ATTEMPTS_CEILING;
  switch (classifyFailure(error)) {
    case 'transient':
      return attempt < limit && codeAttempts < (codeAttemptCap(error) ?? Infinity) && (window === undefined || window.failingForMs < window.maxMs);
    case 'unknown':
      return attempt < Math.min(UNKNOWN_ERROR_ATTEMPTS, limit);
    default:
      return false;
  }
}
