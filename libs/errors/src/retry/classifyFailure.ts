import type { ErrorCode } from '../codes';
import { LungFlowError } from '../LungFlowError';

/**
 * What a failure says about trying again:
 * - `transient`: a retriable LungFlowError, or a dropped connection / restarting server recognised below;
 * - `permanent`: a LungFlowError whose code is not retriable (bad input: the same bytes fail the same way);
 * - `programming`: TypeError, RangeError, ReferenceError, SyntaxError: a bug, never retried (as kafkajs's retrier);
 * - `unknown`: anything else; the retry policy gives it a few attempts, then dead-letters it as UNEXPECTED.
 */
export type FailureKind = 'transient' | 'permanent' | 'programming' | 'unknown';

/** Node system error codes of a network that may come back. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EAI_AGAIN', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * Redis answers of a server that is starting, busy or failing over (https://redis.io/docs/latest/develop/reference/
 * protocol-spec/ simple errors), and ioredis's own messages when it gave up on a command while reconnecting.
 */
const REDIS_TRANSIENT_REPLY = /^(LOADING|BUSY|TRYAGAIN|MASTERDOWN|CLUSTERDOWN|READONLY)\b/;
const IOREDIS_GAVE_UP = /^(Reached the max retries per request limit|Connection is closed\.|Stream isn't writeable)/;

const PROGRAMMING = [TypeError, RangeError, ReferenceError, SyntaxError, EvalError, URIError];

interface Classifiable {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  cause?: unknown;
}

/** REDIS_UNAVAILABLE or CONNECTION_LOST when `error` (or a cause up its chain) is one of the transient kinds above. */
export function transientCode(error: unknown, depth = 0): ErrorCode | undefined {
  if (typeof error !== 'object' || error === null || depth > 5) return undefined;
  const e = error as Classifiable;
  const name = typeof e.name === 'string' ? e.name : '';
  const message = typeof e.message === 'string' ? e.message : '';
  if (name === 'MaxRetriesPerRequestError' || IOREDIS_GAVE_UP.test(message)) return 'REDIS_UNAVAILABLE';
  if (name === 'ReplyError' && REDIS_TRANSIENT_REPLY.test(message)) return 'REDIS_UNAVAILABLE';
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return 'CONNECTION_LOST';
  return transientCode(e.cause, depth + 1);
}

export function classifyFailure(error: unknown): FailureKind {
  if (error instanceof LungFlowError) return error.retriable ? 'transient' : 'permanent';
  if (transientCode(error) !== undefined) return 'transient';
  if (PROGRAMMING.some((kind) => error instanceof kind)) return 'programming';
  return 'unknown';
}

/**
 * True for errors that a retry with backoff may cure: a retriable LungFlowError, or a failure recognised as
 * transient (a dropped connection, Redis restarting). Programming and unknown errors are not.
 */
export function isRetriable(error: unknown): boolean {
  return classifyFailure(error) === 'transient';
}

/** The catalogue code for any failure: its own for a LungFlowError, REDIS_UNAVAILABLE, CONNECTION_LOST or UNEXPECTED otherwise. */
export function errorCodeOf(error: unknown): ErrorCode {
  if (error instanceof LungFlowError) return error.code;
  return transientCode(error) ?? 'UNEXPECTED';
}
