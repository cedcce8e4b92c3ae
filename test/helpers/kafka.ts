import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { MAX_MESSAGE_BYTES, decodeMessage } from '@lungflow/contracts';
import type { Contract, KeyOf, ValueOf } from '@lungflow/contracts';
import { createKafka, ensureTopics } from '@lungflow/kafka';
import { stackSettings } from './stackSettings';

/** Brokers of the real local stack (deploy/local): KAFKA_BROKERS, else KAFKA_PORT as stack.sh reads it. */
export const KAFKA_BROKERS = stackSettings().kafkaBrokers;

export function testKafka(clientId = 'lungflow-test'): Kafka {
  return createKafka({ brokers: KAFKA_BROKERS, clientId });
}

/** A fresh topic name per test, so tests never read each other's messages. */
export function randomTopicName(prefix = 'test'): string {
  return `${prefix}.${randomUUID()}`;
}

export async function createTestTopic(kafka: Kafka, name = randomTopicName(), partitions = 3): Promise<string> {
  await ensureTopics(kafka, [{ name, partitions, retentionMs: 3_600_000, key: 'test' }]);
  return name;
}

export interface ReceivedMessage<C extends Contract> {
  key: KeyOf<C>;
  value: ValueOf<C>;
  partition: number;
  offset: string;
}

/**
 * Reads `topic` from the beginning with a throw-away consumer group and returns every decoded message once
 * `count` have arrived and then `settleMs` passed with nothing new (so a test that wants exactly N also sees an
 * N+1st duplicate), or when `timeoutMs` runs out.
 */
export async function waitForMessages<C extends Contract>(
  kafka: Kafka,
  contract: C,
  topic: string,
  { count, timeoutMs = 30_000, settleMs = 1_500 }: { count: number; timeoutMs?: number; settleMs?: number },
): Promise<Array<ReceivedMessage<C>>> {
  const consumer = kafka.consumer({ groupId: `test-reader-${randomUUID()}`, maxBytesPerPartition: MAX_MESSAGE_BYTES });
  const messages: Array<ReceivedMessage<C>> = [];
  let lastArrival = Date.now();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const decoded = decodeMessage(contract, message.key, message.value);
      messages.push({ ...decoded, partition, offset: message.offset });
      lastArrival = Date.now();
    },
  });
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      if (messages.length >= count && Date.now() - lastArrival >= settleMs) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await consumer.disconnect();
  }
  return messages;
}
