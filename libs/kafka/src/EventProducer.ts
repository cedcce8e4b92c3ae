import { CompressionTypes, Partitioners } from 'kafkajs';
import type { Kafka, Producer } from 'kafkajs';
import { TOPICS, encodeMessage } from '@lungflow/contracts';
import type { Contract, KeyOf, TopicId, ValueOf } from '@lungflow/contracts';
import { kafkaError } from './kafkaError';

export type TopicNames = Partial<Record<TopicId, string>>;

export interface SendResult {
  topic: string;
  partition: number;
  offset: string;
}

/**
 * gzip, the codec kafkajs ships (snappy, lz4 and zstd need native add-ons). The broker checks `max.message.bytes`
 * against the compressed batch, and LungFlow's events are JSON full of repeated URL prefixes, model identities and
 * keys: a 3,000-instance study.received of ~1.4 MB goes out as a fraction of that (MAX_MESSAGE_BYTES in
 * @lungflow/contracts explains the limits). Consumers decompress without being told.
 */
export const COMPRESSION = CompressionTypes.GZIP;

/**
 * Sends contract-checked events. The producer is idempotent with acks=all, so `send` resolves only once every
 * in-sync replica has the message: that resolution is LungFlow's durability guarantee, and callers acknowledge
 * upstream (advance a cursor, answer a PACS, commit an offset) only after it.
 */
export class EventProducer {
  private readonly producer: Producer;
  private connecting: Promise<void> | undefined;

  constructor(kafka: Kafka, private readonly topicNames: TopicNames = {}) {
    // kafkajs requires a single in-flight request for idempotence (ordering and no duplicates on retry). The default
    // partitioner is murmur2 like the Java client, so any producer keys a study to the same partition.
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  }

  topicOf(contract: Contract): string {
    return this.topicNames[contract.topic] ?? TOPICS[contract.topic].name;
  }

  /** Connects once; concurrent callers share the attempt, and a failed attempt is forgotten so the next call retries. */
  connect(): Promise<void> {
    this.connecting ??= this.producer.connect().catch((error: unknown) => {
      this.connecting = undefined;
      throw kafkaError('producer connect', error);
    });
    return this.connecting;
  }

  async send<C extends Contract>(contract: C, key: KeyOf<C>, value: ValueOf<C>, headers: Record<string, string> = {}): Promise<SendResult> {
    const encoded = encodeMessage(contract, key, value);
    const topic = this.topicOf(contract);
    await this.connect();
    try {
      const [metadata] = await this.producer.send({ topic, acks: -1, compression: COMPRESSION, messages: [{ key: encoded.key, value: encoded.value, headers }] });
      return { topic, partition: metadata.partition, offset: metadata.baseOffset ?? metadata.offset ?? '-1' };
    } catch (error) {
      throw kafkaError(`send to ${topic}`, error, { topic });
    }
  }

  async disconnect(): Promise<void> {
    const connecting = this.connecting;
    this.connecting = undefined;
    if (connecting) await connecting.then(() => this.producer.disconnect(), () => undefined);
  }
}
