import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { MAX_MESSAGE_BYTES, TOPICS, deadLetterValue, type DeadLetter } from '@lungflow/contracts';
import { COMPRESSION } from '../EventProducer';

/** One record of the dead-letter topic, where it sits, and its envelope (null when the record does not parse). */
export interface StoredDeadLetter {
  partition: number;
  offset: string;
  /** Broker timestamp of the dead letter (ms since the epoch). */
  timestampMs: number;
  deadLetter: DeadLetter | null;
  /** Why `deadLetter` is null: the record's bytes are not a dead-letter envelope. */
  invalid?: string;
}

export interface DeadLetterFilter {
  /** Error code (exact, e.g. DICOM_MALFORMED) or a piece of the reason text (case-insensitive). */
  reason?: string;
  /** A StudyInstanceUID that the original message's key or value names. */
  studyInstanceUid?: string;
  /** The service (consumer group) that gave up. */
  service?: string;
  /** Dead letters at or after / before these instants. */
  since?: Date;
  until?: Date;
}

export interface DeadLetterBacklog {
  /** Records the topic still retains. */
  retained: number;
  /** Records after the operators' "reviewed" mark (`lungflow deadletter ack`): what nobody has looked at yet. */
  pending: number;
  /** Broker timestamp of the oldest pending record, null when none is pending. */
  oldestPendingMs: number | null;
}

/** The consumer group whose committed offsets mark how far operators have reviewed the dead letters. */
export const DEAD_LETTER_REVIEWED_GROUP = 'lungflow-deadletter-reviewed';

export function matchesDeadLetter(record: StoredDeadLetter, filter: DeadLetterFilter): boolean {
  if (filter.since && record.timestampMs < filter.since.getTime()) return false;
  if (filter.until && record.timestampMs >= filter.until.getTime()) return false;
  const letter = record.deadLetter;
  if (!letter) return filter.reason === undefined && filter.studyInstanceUid === undefined && filter.service === undefined;
  if (filter.service !== undefined && letter.service !== filter.service) return false;
  if (filter.reason !== undefined) {
    const wanted = filter.reason.toLowerCase();
    if (letter.errorCode !== filter.reason && !letter.reason.toLowerCase().includes(wanted)) return false;
  }
  if (filter.studyInstanceUid !== undefined) {
    // Keys and values are JSON; a UID is a whole JSON string in them (or the raw bytes of a non-JSON message).
    const quoted = `"${filter.studyInstanceUid}"`;
    const { key, value, encoding } = letter.original;
    const texts = encoding === 'utf8' ? [key, value] : [key, value].map((b) => (b === null ? null : Buffer.from(b, 'base64').toString('latin1')));
    if (!texts.some((text) => text !== null && (text.includes(quoted) || text === filter.studyInstanceUid))) return false;
  }
  return true;
}

/**
 * Reads, replays and marks the dead-letter topic. Reading goes from each partition's low to its high watermark as
 * they were when the call began, through a throw-away consumer group (kafkajs has no manual assignment), deleted
 * afterwards so operators' reads leave nothing behind on the broker.
 */
export class DeadLetterTopic {
  constructor(
    private readonly kafka: Kafka,
    readonly topic: string = TOPICS.deadLetter.name,
  ) {}

  async read({ timeoutMs = 60_000 }: { timeoutMs?: number } = {}): Promise<StoredDeadLetter[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(this.topic);
      const remaining = new Map(offsets.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high)]));
      if (remaining.size === 0) return [];
      const groupId = `lungflow-deadletter-reader-${randomUUID()}`;
      const consumer = this.kafka.consumer({ groupId, allowAutoTopicCreation: false, maxBytesPerPartition: MAX_MESSAGE_BYTES });
      const records: StoredDeadLetter[] = [];
      try {
        await consumer.connect();
        await consumer.subscribe({ topic: this.topic, fromBeginning: true });
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`reading ${this.topic} did not finish within ${timeoutMs} ms`)), timeoutMs);
          consumer
            .run({
              autoCommit: false,
              eachMessage: async ({ partition, message }) => {
                const high = remaining.get(partition);
                if (high === undefined || BigInt(message.offset) >= high) return;
                records.push(parseRecord(partition, message.offset, Number(message.timestamp), message.value));
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
      return records.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * Sends each original message back to its topic, byte for byte, with a header naming the dead letter. A trimmed
   * dead letter (`original.truncated`: the original was too big to quote) has no value to send; it is skipped
   * (`isReplayable`) rather than replayed as an empty message, and its original is still at the place it names.
   */
  async replay(records: readonly StoredDeadLetter[]): Promise<number> {
    const replayable = records.filter(isReplayable);
    if (replayable.length === 0) return 0;
    const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    try {
      for (const record of replayable) {
        const { original } = record.deadLetter;
        const bytes = (text: string | null) => (text === null ? null : Buffer.from(text, original.encoding));
        await producer.send({
          topic: original.topic,
          acks: -1,
          compression: COMPRESSION,
          messages: [
            {
              key: bytes(original.key),
              value: bytes(original.value),
              headers: { ...original.headers, 'lungflow-replayed-from': `${this.topic}/${record.partition}/${record.offset}` },
            },
          ],
        });
      }
    } finally {
      await producer.disconnect();
    }
    return replayable.length;
  }

  /** Marks every dead letter up to and including `offset` of `partition` as reviewed (it stops counting as pending). */
  async markReviewed(partition: number, offset: string): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await admin.setOffsets({ groupId: DEAD_LETTER_REVIEWED_GROUP, topic: this.topic, partitions: [{ partition, offset: (BigInt(offset) + 1n).toString() }] });
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * Counts for the metrics: retained, pending (after the reviewed mark) and the oldest pending one's timestamp.
   * Only offsets are fetched when nothing is pending; the records are read only to find the oldest pending one.
   */
  async backlog(): Promise<DeadLetterBacklog> {
    const admin = this.kafka.admin();
    await admin.connect();
    const reviewed = new Map<number, bigint>();
    let retained = 0;
    let pending = 0;
    try {
      const offsets = await admin.fetchTopicOffsets(this.topic);
      const [committed] = await admin.fetchOffsets({ groupId: DEAD_LETTER_REVIEWED_GROUP, topics: [this.topic] });
      for (const p of committed?.partitions ?? []) if (p.offset !== '-1') reviewed.set(p.partition, BigInt(p.offset));
      for (const p of offsets) {
        const [low, high] = [BigInt(p.low), BigInt(p.high)];
        const from = (reviewed.get(p.partition) ?? 0n) > low ? reviewed.get(p.partition)! : low;
        retained += Number(high - low);
        if (high > from) pending += Number(high - from);
      }
    } finally {
      await admin.disconnect();
    }
    if (pending === 0) return { retained, pending, oldestPendingMs: null };
    const waiting = (await this.read()).filter((r) => BigInt(r.offset) >= (reviewed.get(r.partition) ?? 0n));
    return { retained, pending, oldestPendingMs: waiting.length === 0 ? null : Math.min(...waiting.map((r) => r.timestampMs)) };
  }
}

/** A dead letter that holds its original message whole (not trimmed for size), so replay can send it. */
export function isReplayable(record: StoredDeadLetter): record is StoredDeadLetter & { deadLetter: DeadLetter } {
  return record.deadLetter !== null && record.deadLetter.original.truncated === undefined;
}

function parseRecord(partition: number, offset: string, timestampMs: number, value: Buffer | null): StoredDeadLetter {
  if (value === null) return { partition, offset, timestampMs, deadLetter: null, invalid: 'empty record' };
  try {
    const parsed = deadLetterValue.safeParse(JSON.parse(value.toString('utf8')));
    if (parsed.success) return { partition, offset, timestampMs, deadLetter: parsed.data };
    return { partition, offset, timestampMs, deadLetter: null, invalid: `not a dead-letter envelope: ${parsed.error.issues[0]?.message ?? 'invalid'}` };
  } catch (error) {
    return { partition, offset, timestampMs, deadLetter: null, invalid: `not JSON: ${(error as Error).message}` };
  }
}
