import { Kafka, logLevel as KafkaLogLevel } from 'kafkajs';
import type { LogEntry, logCreator } from 'kafkajs';
import type { KafkaSecurity } from './kafkaSecurity';

export interface KafkaLog {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface CreateKafkaOptions {
  brokers: string[];
  clientId: string;
  /** Where kafkajs's own warnings go (a pino logger fits); silent when absent. */
  log?: KafkaLog;
  /** Connection attempts before a call gives up (kafkajs default 5); lower in tests that stop the broker. */
  retries?: number;
  /** TLS and SASL (kafkaSecurity(config)); plaintext when absent, as the local stack runs. */
  security?: KafkaSecurity;
}

/** kafkajs logs through our logger (errors and warnings only: its info level is chatty reconnect noise). */
function logCreatorFor(log: KafkaLog | undefined): logCreator {
  return () => (entry: LogEntry) => {
    if (!log) return;
    const { message, ...rest } = entry.log;
    if (entry.level === KafkaLogLevel.ERROR) log.error({ kafka: entry.namespace, ...rest }, message);
    else if (entry.level === KafkaLogLevel.WARN) log.warn({ kafka: entry.namespace, ...rest }, message);
  };
}

export function createKafka(options: CreateKafkaOptions): Kafka {
  return new Kafka({
    brokers: options.brokers,
    clientId: options.clientId,
    logLevel: KafkaLogLevel.WARN,
    logCreator: logCreatorFor(options.log),
    retry: { retries: options.retries ?? 5, initialRetryTime: 300, maxRetryTime: 10_000 },
    ...options.security,
  });
}
