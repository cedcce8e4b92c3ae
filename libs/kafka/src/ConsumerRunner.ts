import type { Consumer, Kafka } from 'kafkajs';
import { TOPICS, deadLetter } from '@lungflow/contracts';
import type { Contract } from '@lungflow/contracts';
import type { BackoffPolicy } from '@lungflow/errors';
import type { EventProducer } from './EventProducer';
import { kafkaError } from './kafkaError';
import { processMessage } from './processMessage';
import type { EventHandler, ProcessOutcome } from './processMessage';

export interface ConsumerRunnerOptions<C extends Contract> {
  kafka: Kafka;
  groupId: string;
  contract: C;
  handler: EventHandler<C>;
  /** Sends dead letters (to TOPICS.deadLetter or the producer's override). */
  producer: EventProducer;
  /** Overrides the contract's topic name (tests use random names). */
  topic?: string;
  fromBeginning?: boolean;
  /**
   * Partitions handled at once (default 1). Order within a partition is kept either way: kafkajs hands one
   * partition's messages over one at a time. More than one lets a consumer keep several events in flight, e.g.
   * so that inference can batch images of different studies.
   */
  partitionsConsumedConcurrently?: number;
  backoff?: BackoffPolicy;
  maxAttempts?: number;
  onOutcome?: (outcome: ProcessOutcome, topic: string, partition: number, offset: string) => void;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/**
 * Runs one handler over one contract's topic with at-least-once delivery: the offset is committed by hand, only
 * after the handler succeeded or the message went to the dead-letter topic (see processMessage). Handlers must
 * therefore be idempotent (the same event may arrive twice after a crash).
 */
export class ConsumerRunner<C extends Contract> {
  private readonly consumer: Consumer;
  private readonly abort = new AbortController();
  readonly topic: string;

  constructor(private readonly options: ConsumerRunnerOptions<C>) {
    this.topic = options.topic ?? TOPICS[options.contract.topic].name;
    this.consumer = options.kafka.consumer({ groupId: options.groupId, allowAutoTopicCreation: false });
  }

  async start(): Promise<void> {
    const { options } = this;
    try {
      await this.consumer.connect();
      await this.consumer.subscribe({ topic: this.topic, fromBeginning: options.fromBeginning ?? true });
      await this.consumer.run({
        autoCommit: false,
        partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
        eachMessage: async ({ topic, partition, message, heartbeat }) => {
          const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value ?? '')]));
          const outcome = await processMessage(
            { topic, partition, offset: message.offset, key: message.key, value: message.value, headers },
            {
              contract: options.contract,
              handler: options.handler,
              service: options.groupId,
              deadLetter: async (key, value) => void (await options.producer.send(deadLetter, key, value)),
              backoff: options.backoff,
              maxAttempts: options.maxAttempts,
              heartbeat,
              signal: this.abort.signal,
              onRetry: options.onRetry,
            },
          );
          options.onOutcome?.(outcome, topic, partition, message.offset);
          if (outcome === 'aborted') return;
          await this.consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
        },
      });
    } catch (error) {
      throw kafkaError(`consumer ${options.groupId} start`, error, { topic: this.topic });
    }
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.consumer.disconnect();
  }
}
