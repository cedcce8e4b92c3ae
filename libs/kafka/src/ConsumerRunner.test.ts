import type { Consumer, ConsumerConfig, ConsumerRunConfig, EachMessagePayload, Kafka } from 'kafkajs';
import { KafkaJSConnectionError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import { encodeMessage, studyReceived } from '@lungflow/contracts';
import type { LungFlowError } from '@lungflow/errors';
import { studyReceivedFixture } from '../../../test/helpers/studyReceivedFixture';
import { ConsumerRunner } from './ConsumerRunner';
import { ConsumerSupervisor } from './ConsumerSupervisor';
import type { EventProducer } from './EventProducer';

/**
 * The runner's crash policy on a fake kafkajs consumer: crashes are made on purpose here, which a real broker does
 * not do on demand (ConsumerRunner.int.test.ts crashes a real consumer the one way that is deterministic).
 */
const EVENTS = { GROUP_JOIN: 'consumer.group_join', CRASH: 'consumer.crash' } as const;

class FakeConsumer {
  readonly events = EVENTS;
  readonly listeners = new Map<string, Array<(event: unknown) => void>>();
  readonly calls: string[] = [];
  runConfig: ConsumerRunConfig | undefined;
  commits: string[] = [];

  constructor(
    readonly config: ConsumerConfig,
    private readonly connectError?: Error,
    private readonly joinError?: Error,
  ) {}

  on(name: string, listener: (event: unknown) => void): () => void {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), listener]);
    return () => undefined;
  }

  emit(name: string, payload: unknown): void {
    for (const listener of this.listeners.get(name) ?? []) listener({ id: 0, type: name, timestamp: Date.now(), payload });
  }

  async connect(): Promise<void> {
    this.calls.push('connect');
    if (this.connectError) throw this.connectError;
  }

  async subscribe({ topic }: { topic: string }): Promise<void> {
    this.calls.push(`subscribe ${topic}`);
  }

  async run(config: ConsumerRunConfig): Promise<void> {
    this.calls.push('run');
    this.runConfig = config;
    // kafkajs joins the group inside run(); when the join fails it emits CRASH and run() still resolves.
    if (this.joinError) return this.crash(this.joinError);
    setImmediate(() => this.emit(EVENTS.GROUP_JOIN, { groupId: this.config.groupId }));
  }

  async commitOffsets(offsets: Array<{ offset: string }>): Promise<void> {
    this.commits.push(...offsets.map((o) => o.offset));
  }

  async disconnect(): Promise<void> {
    this.calls.push('disconnect');
  }

  /** What kafkajs does when a non-retriable error escapes its loop and restartOnFailure says no. */
  crash(error: Error): void {
    this.emit(EVENTS.CRASH, { error, groupId: this.config.groupId, restart: false });
  }
}

function fakeKafka(connectErrors: Array<Error | undefined> = [], joinErrors: Array<Error | undefined> = []): { kafka: Kafka; consumers: FakeConsumer[] } {
  const consumers: FakeConsumer[] = [];
  const kafka = {
    consumer: (config: ConsumerConfig) => {
      const consumer = new FakeConsumer(config, connectErrors[consumers.length], joinErrors[consumers.length]);
      consumers.push(consumer);
      return consumer as unknown as Consumer;
    },
  } as unknown as Kafka;
  return { kafka, consumers };
}

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const producer = { send: async () => ({ topic: 'dead', partition: 0, offset: '0' }) } as unknown as EventProducer;

function runner(kafka: Kafka, extra: Partial<ConstructorParameters<typeof ConsumerRunner>[0]> = {}) {
  return new ConsumerRunner({
    kafka,
    groupId: 'lungflow-infer',
    contract: studyReceived,
    topic: 'lungflow.study.received.v1',
    producer,
    handler: async () => undefined,
    rejoinBackoff: { initialMs: 1, maxMs: 5 },
    ...extra,
  });
}

const UNKNOWN_MEMBER = new KafkaJSNonRetriableError(
  new KafkaJSProtocolError(Object.assign(new Error('The coordinator is not aware of this member'), { type: 'UNKNOWN_MEMBER_ID', code: 25, retriable: false })),
);

describe('ConsumerRunner after kafkajs stopped its consumer for good (issue 16)', () => {
  it('turns kafkajs\'s own restart off, so that every crash comes to the runner', async () => {
    const { kafka, consumers } = fakeKafka();
    const r = runner(kafka);
    await r.start();
    const restartOnFailure = (consumers[0]!.config.retry as { restartOnFailure?: (e: Error) => Promise<boolean> }).restartOnFailure;
    expect(await restartOnFailure?.(new Error('x'))).toBe(false);
    await r.stop();
  });

  it('recreates the consumer, joins again and says so through its state (readiness)', async () => {
    const { kafka, consumers } = fakeKafka();
    const crashes: LungFlowError[] = [];
    const r = runner(kafka, { onCrash: (error) => void crashes.push(error) });
    expect(r.isConsuming()).toBe(false);
    await r.start();
    await until(() => r.state === 'running');
    expect(r.isConsuming()).toBe(true);

    consumers[0]!.crash(UNKNOWN_MEMBER);
    expect(r.state).toBe('rejoining');
    expect(r.isConsuming()).toBe(false);
    expect(r.isAlive()).toBe(true);
    await until(() => r.state === 'running');

    expect(consumers).toHaveLength(2);
    expect(consumers[1]!.calls).toEqual(['connect', 'subscribe lungflow.study.received.v1', 'run']);
    expect(consumers[1]!.config.groupId).toBe('lungflow-infer');
    expect(crashes.map((e) => e.message)).toEqual(['Kafka consumer lungflow-infer failed: The coordinator is not aware of this member']);
    // A crash of the replaced consumer (a late event) changes nothing.
    consumers[0]!.crash(UNKNOWN_MEMBER);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(consumers).toHaveLength(2);
    await r.stop();
    expect(r.state).toBe('stopped');
  });

  it('retries a rejoin while the broker is down, with the retry policy, then runs', async () => {
    const down = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    const { kafka, consumers } = fakeKafka([undefined, down, down]);
    const r = runner(kafka);
    await r.start();
    consumers[0]!.crash(UNKNOWN_MEMBER);
    await until(() => r.state === 'running' && consumers.length === 4);
    expect(consumers.map((c) => c.calls[0])).toEqual(['connect', 'connect', 'connect', 'connect']);
    await r.stop();
  });

  it('tries again when the recreated consumer\'s join fails inside run() (a broker still starting), never stays up consuming nothing', async () => {
    // Seen on the local stack after `stack.sh down kafka` / `up kafka`: the rejoin's join crashed with
    // KafkaJSNumberOfRetriesExceeded inside run(), the crash was taken for the one already being handled, and infer
    // and report stayed "joining" for good (no log line, liveness still true).
    const retriesExceeded = new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092'), { retryCount: 5, retryTime: 1000 });
    const { kafka, consumers } = fakeKafka([], [undefined, retriesExceeded]);
    const r = runner(kafka);
    await r.start();
    await until(() => r.state === 'running');
    consumers[0]!.crash(UNKNOWN_MEMBER);
    await until(() => r.state === 'running' && consumers.length === 3);
    expect(consumers[1]!.calls).toEqual(['connect', 'subscribe lungflow.study.received.v1', 'run', 'disconnect']);
    await r.stop();
  });

  it('when it cannot rejoin, fails loudly: liveness false and onFailed, never a live process consuming nothing', async () => {
    const down = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    const { kafka, consumers } = fakeKafka([undefined, down, down, down, down]);
    const failed: LungFlowError[] = [];
    const logged: string[] = [];
    const supervisor = new ConsumerSupervisor({ error: (_obj, msg) => void logged.push(msg), warn: () => undefined });
    const r = runner(kafka, { maxRejoinAttempts: 3, supervisor, onFailed: (error) => void failed.push(error) });
    await r.start();
    await until(() => supervisor.consuming());
    expect(supervisor.alive()).toBe(true);
    consumers[0]!.crash(UNKNOWN_MEMBER);
    await until(() => failed.length === 1);
    expect(r.state).toBe('failed');
    expect(r.isAlive()).toBe(false);
    expect(r.isConsuming()).toBe(false);
    expect(consumers).toHaveLength(4); // the first, then 3 rejoin attempts
    expect(failed[0]).toMatchObject({ code: 'KAFKA_UNAVAILABLE' });
    // The service's health and exit: liveness fails, and `fatal` resolves (serveUntilSignal exits 1 on it).
    expect(supervisor.alive()).toBe(false);
    expect(supervisor.consuming()).toBe(false);
    await expect(supervisor.fatal).resolves.toBe(failed[0]);
    expect(logged).toEqual(['Kafka consumer crashed; recreating it and rejoining the group', 'Kafka consumer could not rejoin its group; the process exits so that it is restarted']);

    // A permanent refusal (not authorised for the group) fails at the first attempt.
    const denied = new KafkaJSProtocolError(Object.assign(new Error('Not authorized to access group'), { type: 'GROUP_AUTHORIZATION_FAILED', code: 30, retriable: false }));
    const second = fakeKafka([undefined, denied]);
    const failedToo: LungFlowError[] = [];
    const r2 = runner(second.kafka, { onFailed: (error) => void failedToo.push(error) });
    await r2.start();
    second.consumers[0]!.crash(UNKNOWN_MEMBER);
    await until(() => failedToo.length === 1);
    expect(second.consumers).toHaveLength(2);
    expect(failedToo[0]).toMatchObject({ code: 'KAFKA_REFUSED' });
  });
});

describe('ConsumerRunner while a handler runs long', () => {
  it('keeps heartbeating, so the coordinator does not evict it mid-study', async () => {
    const { kafka, consumers } = fakeKafka();
    const r = runner(kafka, { keepAliveMs: 10, handler: () => new Promise((resolve) => setTimeout(resolve, 120)) });
    await r.start();
    const heartbeat = jest.fn(async () => undefined);
    const uid = '1.2.826.0.1.3680043.8.498.77';
    const encoded = encodeMessage(studyReceived, { studyInstanceUid: uid }, studyReceivedFixture(uid));
    const payload = {
      topic: 'lungflow.study.received.v1',
      partition: 0,
      message: { offset: '5', key: Buffer.from(encoded.key), value: Buffer.from(encoded.value), headers: {} },
      heartbeat,
      pause: () => () => undefined,
    } as unknown as EachMessagePayload;
    await consumers[0]!.runConfig!.eachMessage!(payload);
    expect(heartbeat.mock.calls.length).toBeGreaterThanOrEqual(5);
    expect(consumers[0]!.commits).toEqual(['6']);
    await r.stop();
  });
});

describe('ConsumerSupervisor readiness', () => {
  it('waits only for runners that were started, and names a group that is not consuming', async () => {
    const { kafka } = fakeKafka();
    const supervisor = new ConsumerSupervisor();
    const started = runner(kafka, { supervisor });
    runner(kafka, { supervisor, groupId: 'lungflow-report-deadletters' }); // built, never started (an API-only replica)
    await expect(supervisor.readiness()).resolves.toBe(true); // nothing started yet: nothing to wait for
    const starting = started.start();
    await expect(supervisor.readiness()).rejects.toThrow(/not consuming yet .*lungflow-infer/);
    await starting;
    await until(() => started.isConsuming());
    await expect(supervisor.readiness()).resolves.toBe(true);
    await started.stop();
  });
});
