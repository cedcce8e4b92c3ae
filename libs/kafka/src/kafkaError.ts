import { LungFlowError, transientCode, type ErrorCode } from '@lungflow/errors';

const RETRIABLE_NAME = /KafkaJS(Connection|NumberOfRetriesExceeded|RequestTimeout|Broker|Lock)/;

interface Chained {
  name?: unknown;
  retriable?: unknown;
  cause?: unknown;
}

/**
 * Whether kafkajs says a retry may help, anywhere along the cause chain. kafkajs's own retrier wraps the error that
 * made it give up: a refused connection during a broker restart arrives as `KafkaJSNonRetriableError` (or
 * `KafkaJSNumberOfRetriesExceeded`) whose `cause` is the retriable `KafkaJSConnectionError` (kafkajs's consumer
 * decides the same way, by the original cause). Judging by the outer error alone dead-lettered studies whose result
 * could not be published while the broker was down (issue 16, soak seed 20261202).
 */
function retriableChain(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 8) return false;
  const e = error as Chained;
  if (e.retriable === true || (typeof e.name === 'string' && RETRIABLE_NAME.test(e.name))) return true;
  return retriableChain(e.cause, depth + 1);
}

/**
 * Wraps a kafkajs failure in the LungFlow tree. Broker unavailability, leader elections, rebalances and timeouts are
 * retriable (KAFKA_UNAVAILABLE); kafkajs says which through its own `retriable` flag (on the error or a cause up its
 * chain), and a connection that could not be made at all counts as retriable too (the broker may come back). A
 * message over the size limit is KAFKA_MESSAGE_TOO_LARGE; anything else Kafka refuses is KAFKA_REFUSED.
 */
export function kafkaError(action: string, cause: unknown, details: Record<string, unknown> = {}): LungFlowError {
  if (cause instanceof LungFlowError) return cause;
  const type = typeof cause === 'object' && cause !== null ? (cause as { type?: unknown }).type : undefined;
  const retriable = retriableChain(cause) || transientCode(cause) !== undefined;
  const message = cause instanceof Error ? cause.message : String(cause);
  const code: ErrorCode = retriable ? 'KAFKA_UNAVAILABLE' : type === 'MESSAGE_TOO_LARGE' || /too large/i.test(message) ? 'KAFKA_MESSAGE_TOO_LARGE' : 'KAFKA_REFUSED';
  return new LungFlowError(code, `Kafka ${action} failed: ${message}`, { cause, details });
}
