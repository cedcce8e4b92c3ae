export { backoffDelay, DEFAULT_BACKOFF } from './backoffDelay';
export type { BackoffPolicy } from './backoffDelay';
export { classifyFailure, errorCodeOf, isRetriable, transientCode } from './classifyFailure';
export type { FailureKind } from './classifyFailure';
export { codeAttemptCap, shouldRetry, MAX_ATTEMPTS_CEILING, UNKNOWN_ERROR_ATTEMPTS } from './retryDecision';
export type { RetryWindow } from './retryDecision';
export { sleep } from './sleep';
export { parseRetryAfter, retryDelay, RETRY_AFTER_CEILING_MS } from './retryDelay';
