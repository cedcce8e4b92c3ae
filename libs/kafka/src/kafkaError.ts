import { LungFlowError, type ErrorCode } from '@lungflow/errors';

/**
 * Wraps a kafkajs failure in the LungFlow tree. Broker unavailability, leader elections, rebalances and timeouts are
 * retriable (KAFKA_UNAVAILABLE); kafkajs says which through its own `retriable` flag, and a connection that could
 * not be made at all counts as retriable too (the broker may come back). A message over the size limit is
 * KAFKA_MESSAGE_TOO_LARGE; anything else Kafka refuses is KAFKA_REFUSED.
 */
export function kafkaError(action: string, cause: unknown, details: Record<string, unknown> = {}): LungFlowError {
  if (cause instanceof LungFlowError) return cause;
  const name = cause instanceof Error ? cause.name : '';
  const type = typeof cause === 'object' && cause !== null ? (cause as { type?: unknown }).type : undefined;
  const flagged = typeof cause === 'object' && cause !== null && (cause as { retriable?: unknown }).retriable === true;
  const retriable = flagged || /KafkaJS(Connection|NumberOfRetriesExceeded|RequestTimeout|Broker|Lock)/.test(name);
  const message = cause instanceof Error ? cause.message : String(cause);
  const code: ErrorCode = retriable ? 'KAFKA_UNAVAILABLE' : type === 'MESSAGE_TOO_LARGE' || /too large/i.test(message) ? 'KAFKA_MESSAGE_TOO_LARGE' : 'KAFKA_REFUSED';
  return new LungFlowError(code, `Kafka ${action} failed: ${message}`, { cause, details });
}
