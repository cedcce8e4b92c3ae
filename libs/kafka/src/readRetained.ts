import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';

/** One record as the broker keeps it. */
export interface RetainedRecord {
  partition: number;
  offset: string;
  timestampMs: number;
  key: Buffer | null;
  value: Buffer | null;
}

export interface ReadRetainedOptions {
  /** Gives up (rejects) after this long. */
  timeoutMs?: number;
  /** Called for each record, in partition order (nothing is buffered when given; the result is then empty). */
  onRecord?: (record: RetainedRecord) => void;
}

/**
 * Every record a topic retains, from each partition's low to its high watermark as they were when the call began:
 * for rebuilding state from a topic (report's worklist after Redis lost its data) and for operators' reads. kafkajs
 * has no manual assignment, so it reads through a throw-away consumer group, deleted afterwards, that commits
 * nothing.
 */
export async function readRetained(kafka: Kafka, topic: string, { timeoutMs = 60_000, onRecord }: ReadRetainedOptions = {}): Promise<RetainedRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    const remaining = new Map(offsets.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high)]));
    if (remaining.size === 0) return [];
    const groupId = `lungflow-reader-${randomUUID()}`;
    const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
    const records: RetainedRecord[] = [];
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`reading ${topic} did not finish within ${timeoutMs} ms`)), timeoutMs);
        consumer
          .run({
            autoCommit: false,
            eachMessage: async ({ partition, message }) => {
              const high = remaining.get(partition);
              if (high === undefined || BigInt(message.offset) >= high) return;
              const record = { partition, offset: message.offset, timestampMs: Number(message.timestamp), key: message.key, value: message.value };
              if (onRecord) onRecord(record);
              else records.push(record);
              if (BigInt(message.offset) + 1n >= high) remaining.delete(partition);
              if (remaining.size === 0) {
                clearTimeout(timer);
                resolve();
              }
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect().catch(() => undefined);
      await admin.deleteGroups([groupId]).catch(() => undefined);
    }
    return records;
  } finally {
    await admin.disconnect();
  }
}
