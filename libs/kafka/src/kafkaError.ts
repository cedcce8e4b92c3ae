import { LungFlowError } from '@lungflow/errors';

/**
 * Wraps a kafkajs failure in the LungFlow tree. Broker unavailability, leader elections and timeouts are retriable;
 * kafkajs says which through its own `retriable` flag, and a connection that could not be made at all counts as
 * retriable too (the broker may come back).
 */
export function kafkaError(action: string, cause: unknown, details: Record<string, unknown> = {}): LungFlowError {
  if (cause instanceof LungFlowError) return cause;
  const name = cause instanceof Error ? cause.name : '';
  const flagged = typeof cause === 'object' && cause !== null && (cause as { retriable?: unknown }).retriable === true;
  const retriable = flagged || /KafkaJS(Connection|NumberOfRetriesExceeded|RequestTimeout|Broker|Lock)/.test(name);
  const message = cause instanceof Error ? cause.message : String(cause);
  return new LungFlowError('KAFKA_UNAVAILABLE', `Kafka ${action} failed: ${message}`, { retriable, cause, details });
}
