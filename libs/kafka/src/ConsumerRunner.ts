import type { Consumer, Kafka } from 'kafkajs';
import { MAX_MESSAGE_BYTES, TOPICS, deadLetter } from '@lungflow/contracts';
import type { Contract } from '@lungflow/contracts';
import { backoffDelay, shouldRetry, sleep, type BackoffPolicy, type LungFlowError } from '@lungflow/errors';
import type { ConsumerSupervisor, SupervisedConsumer } from './ConsumerSupervisor';
import type { EventProducer } from './EventProducer';
import { kafkaError } from './kafkaError';
import { processMessage } from './processMessage';
import type { EventHandler, ProcessOutcome } from './processMessage';

/**
 * Where the consumer stands, for readiness and liveness: `running` (in its group, fetching), `rejoining` (crashed
 * and being recreated), `failed` (could not rejoin within the retry policy: the process must be restarted), or
 * `idle` / `stopped` (before start, after stop).
 */
export type ConsumerState = 'idle' | 'starting' | 'running' | 'rejoining' | 'failed' | 'stopped';

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
  /** processMessage's `retryWindowMs`: how long one message may keep failing before it is dead-lettered. */
  retryWindowMs?: number;
  onOutcome?: (outcome: ProcessOutcome, topic: string, partition: number, offset: string) => void;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** The service's consumers, for readiness, liveness and exit (crashes and failures are reported to it too). */
  supervisor?: ConsumerSupervisor;
  /** The consumer crashed (kafkajs stopped it) and is being recreated. */
  onCrash?: (error: LungFlowError) => void;
  /** The consumer could not rejoin within the retry policy: nothing consumes any more; the service must exit. */
  onFailed?: (error: LungFlowError) => void;
  /** Backoff between rejoin attempts (default 1 s growing to 30 s). */
  rejoinBackoff?: BackoffPolicy;
  /** Attempts to recreate a crashed consumer before it counts as failed (default 20: about 8 minutes at the cap). */
  maxRejoinAttempts?: number;
  /** Heartbeat period while a handler runs (default 3 s, kafkajs's heartbeat interval). */
  keepAliveMs?: number;
}

/** Running this long after a (re)join makes the next crash a new episode, with a fresh count of rejoin attempts. */
const STABLE_AFTER_MS = 60_000;

/**
 * Runs one handler over one contract's topic with at-least-once delivery: the offset is committed by hand, only
 * after the handler succeeded or the message went to the dead-letter topic (see processMessage). Handlers must
 * therefore be idempotent (the same event may arrive twice after a crash).
 *
 * kafkajs stops a consumer for good when an error it calls non-retriable escapes its loop (issue 16: after a broker
 * restart, "The coordinator is not aware of this member" left an infer replica up but consuming nothing). Its own
 * restart is switched off (`restartOnFailure`), so every crash comes here: the runner recreates the consumer with the
 * one retry policy of @lungflow/errors (backoffDelay, shouldRetry), and when that fails its state becomes `failed`
 * and `onFailed` fires so the service exits and a supervisor restarts it. `state` feeds readiness and liveness.
 */
export class ConsumerRunner<C extends Contract> implements SupervisedConsumer {
  private consumer: Consumer;
  private readonly abort = new AbortController();
  /** Aborts the in-flight work of one consumer generation when it crashes (its offsets cannot be committed). */
  private generation = new AbortController();
  private currentState: ConsumerState = 'idle';
  private joinedAt = 0;
  private rejoinAttempts = 0;
  private rejoining: Promise<void> | undefined;
  /**
   * A crash of the consumer a rejoin is starting. kafkajs reports a failed join from inside `consumer.run()`: it
   * emits CRASH and then `run()` resolves as if all were well, so the rejoin must look here before it counts as done.
   */
  private crashedDuringRejoin: LungFlowError | undefined;
  readonly topic: string;
  readonly groupId: string;

  constructor(private readonly options: ConsumerRunnerOptions<C>) {
    this.topic = options.topic ?? TOPICS[options.contract.topic].name;
    this.groupId = options.groupId;
    this.consumer = this.createConsumer();
  }

  get state(): ConsumerState {
    return this.currentState;
  }

  /** Readiness: in the group and fetching (false while rejoining, after failing, before start). */
  isConsuming(): boolean {
    return this.currentState === 'running';
  }

  /** Liveness: false only once rejoining has failed (the process consumes nothing and must be restarted). */
  isAlive(): boolean {
    return this.currentState !== 'failed';
  }

  async start(): Promise<void> {
    // Supervised from its start: a runner a service builds but never starts (an API-only replica) is not waited for.
    this.options.supervisor?.register(this);
    this.currentState = 'starting';
    try {
      await this.run(this.consumer, this.generation.signal);
    } catch (error) {
      this.currentState = 'idle';
      throw kafkaError(`consumer ${this.options.groupId} start`, error, { topic: this.topic });
    }
  }

  async stop(): Promise<void> {
    this.currentState = 'stopped';
    this.abort.abort();
    this.generation.abort();
    await this.rejoining;
    await this.consumer.disconnect();
  }

  private createConsumer(): Consumer {
    const consumer = this.options.kafka.consumer({
      groupId: this.options.groupId,
      allowAutoTopicCreation: false,
      // A whole message of the largest size the topics take fits one partition's fetch (kafkajs asks for 1 MB by
      // default; the broker would still hand over one bigger batch, but only as the first of a fetch).
      maxBytesPerPartition: MAX_MESSAGE_BYTES,
      // Every crash is handled by the runner (rejoin with the one retry policy, or fail loudly), never half by kafkajs.
      retry: { restartOnFailure: async () => false },
    });
    consumer.on(consumer.events.GROUP_JOIN, () => {
      if (this.consumer !== consumer || this.currentState === 'stopped') return;
      this.currentState = 'running';
      this.joinedAt = Date.now();
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (this.consumer !== consumer || this.currentState === 'stopped' || this.currentState === 'failed') return;
      const cause = kafkaError(`consumer ${this.options.groupId}`, payload.error, { topic: this.topic });
      if (this.rejoining) this.crashedDuringRejoin = cause;
      else void this.rejoin(cause);
    });
    return consumer;
  }

  private rejoin(cause: LungFlowError): Promise<void> {
    this.rejoining ??= this.rejoinLoop(cause).finally(() => (this.rejoining = undefined));
    return this.rejoining;
  }

  private async rejoinLoop(cause: LungFlowError): Promise<void> {
    const { options } = this;
    const backoff = options.rejoinBackoff ?? { initialMs: 1_000, maxMs: 30_000 };
    const maxAttempts = options.maxRejoinAttempts ?? 20;
    if (Date.now() - this.joinedAt > STABLE_AFTER_MS) this.rejoinAttempts = 0;
    this.currentState = 'rejoining';
    this.generation.abort();
    options.supervisor?.crashed(this, cause);
    options.onCrash?.(cause);
    for (;;) {
      this.rejoinAttempts += 1;
      await sleep(backoffDelay(this.rejoinAttempts, backoff), this.abort.signal);
      if (this.abort.signal.aborted) return;
      const old = this.consumer;
      await old.disconnect().catch(() => undefined); // kafkajs disconnected it already; this only makes sure
      this.generation = new AbortController();
      this.consumer = this.createConsumer();
      this.crashedDuringRejoin = undefined;
      try {
        await this.run(this.consumer, this.generation.signal);
        if (this.crashedDuringRejoin) throw this.crashedDuringRejoin;
        if (this.currentState === 'rejoining') this.currentState = 'starting'; // running once the group is joined
        return;
      } catch (error) {
        const failure = kafkaError(`consumer ${options.groupId} rejoin`, error, { topic: this.topic, attempt: this.rejoinAttempts });
        if (this.abort.signal.aborted) return;
        if (!shouldRetry(failure, this.rejoinAttempts, maxAttempts)) {
          this.currentState = 'failed';
          await this.consumer.disconnect().catch(() => undefined);
          options.supervisor?.failed(this, failure);
          options.onFailed?.(failure);
          return;
        }
      }
    }
  }

  private async run(consumer: Consumer, signal: AbortSignal): Promise<void> {
    const { options } = this;
    const keepAliveMs = options.keepAliveMs ?? 3_000;
    await consumer.connect();
    await consumer.subscribe({ topic: this.topic, fromBeginning: options.fromBeginning ?? true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
      eachMessage: async ({ topic, partition, message, heartbeat }) => {
        const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([name, value]) => [name, String(value ?? '')]));
        // kafkajs heartbeats only between messages; a CT study on a busy node can take longer than the session
        // timeout (30 s), and the coordinator then evicts the member mid-study (UNKNOWN_MEMBER_ID at the commit).
        const keepAlive = setInterval(() => void heartbeat().catch(() => undefined), keepAliveMs);
        let outcome: ProcessOutcome;
        try {
          outcome = await processMessage(
            { topic, partition, offset: message.offset, key: message.key, value: message.value, headers },
            {
              contract: options.contract,
              handler: options.handler,
              service: options.groupId,
              deadLetter: async (key, value) => void (await options.producer.send(deadLetter, key, value)),
              backoff: options.backoff,
              maxAttempts: options.maxAttempts,
              retryWindowMs: options.retryWindowMs,
              heartbeat,
              signal: AbortSignal.any([this.abort.signal, signal]),
              onRetry: options.onRetry,
            },
          );
        } finally {
          clearInterval(keepAlive);
        }
        options.onOutcome?.(outcome, topic, partition, message.offset);
        // A crashed generation's offsets go nowhere: its successor is redelivered the message (handlers are idempotent).
        if (outcome === 'aborted' || signal.aborted) return;
        await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
      },
    });
  }
}
