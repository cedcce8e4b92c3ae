import type { Consumer, Kafka } from 'kafkajs';
import { TOPICS, deadLetter, studyReceived } from '@lungflow/contracts';
import { kafkaError, processMessage, type BackoffOptions, type EventHandler, type EventProducer, type ProcessOutcome } from '@lungflow/kafka';

export interface StudyConsumerOptions {
  kafka: Kafka;
  groupId: string;
  handler: EventHandler<typeof studyReceived>;
  producer: EventProducer;
  /** Partitions handled at once: studies on different partitions run concurrently and share model batches. */
  concurrency: number;
  topic?: string;
  backoff?: BackoffOptions;
  maxAttempts?: number;
  onOutcome?: (outcome: ProcessOutcome, partition: number, offset: string) => void;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/**
 * The `study.received` consumer. Same policy as @lungflow/kafka's ConsumerRunner (processMessage: decode, retry
 * retriable errors with backoff without committing, dead-letter the rest, commit by hand only after success or a
 * dead letter), but with several partitions in flight, because batching across messages needs several studies
 * running at once. Order within a partition (one study's versions) is kept: kafkajs hands one partition's
 * messages over one at a time.
 */
export class StudyConsumer {
  private readonly consumer: Consumer;
  private readonly abort = new AbortController();
  readonly topic: string;

  constructor(private readonly options: StudyConsumerOptions) {
    this.topic = options.topic ?? TOPICS.studyReceived.name;
    this.consumer = options.kafka.consumer({ groupId: options.groupId, allowAutoTopicCreation: false });
  }

  async start(): Promise<void> {
    const { options } = this;
    try {
      await this.consumer.connect();
      await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
      await this.consumer.run({
        autoCommit: false,
        partitionsConsumedConcurrently: options.concurrency,
        eachMessage: async ({ topic, partition, message, heartbeat }) => {
          const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value ?? '')]));
          const outcome = await processMessage(
            { topic, partition, offset: message.offset, key: message.key, value: message.value, headers },
            {
              contract: studyReceived,
              handler: options.handler,
              service: options.groupId,
              deadLetter: async (key, value) => void (await options.producer.send(deadLetter, key, value)),
              ...(options.backoff ? { backoff: options.backoff } : {}),
              ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
              heartbeat,
              signal: this.abort.signal,
              ...(options.onRetry ? { onRetry: options.onRetry } : {}),
            },
          );
          options.onOutcome?.(outcome, partition, message.offset);
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
