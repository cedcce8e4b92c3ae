import { encodeMessage, studyReceived } from '@lungflow/contracts';
import type { DeadLetter, StudyReceived } from '@lungflow/contracts';
import { processMessage } from '@lungflow/kafka';
import type { RawMessage } from '@lungflow/kafka';
import { IdempotencyStore, createRedis } from '@lungflow/redis';
import type { Redis } from '@lungflow/redis';
import { RedisServer } from '../helpers/redisServer';
import { studyReceivedFixture } from '../helpers/studyReceivedFixture';

/**
 * Issue 16 item 1: a Redis restart must not dead-letter studies. A real redis-server is killed with SIGKILL while a
 * message's handler needs it and started again 2 s later; the consumer policy must wait it out and handle the
 * message, writing no dead letter. Before the fix ioredis's MaxRetriesPerRequestError counted as a programming
 * error and the message was dead-lettered at its first attempt.
 */
const STUDY = '1.2.826.0.1.3680043.8.498.16001';
const value: StudyReceived = studyReceivedFixture(STUDY, 'trace-16001');

describe('a Redis restart while a message is handled (real redis-server, SIGKILL)', () => {
  const server = new RedisServer();
  let redis: Redis | undefined;
  beforeAll(() => server.start());
  afterAll(async () => {
    redis?.disconnect();
    await server.stop();
  });

  it('retries the handler until Redis is back and writes no dead letter', async () => {
    redis = createRedis(server.url);
    redis.on('error', () => undefined); // reconnect noise while the server is down
    const store = new IdempotencyStore(redis);
    await store.markDone('warm-up', 60_000);
    const encoded = encodeMessage(studyReceived, { studyInstanceUid: STUDY }, value);
    const message: RawMessage = { topic: 't', partition: 0, offset: '7', key: Buffer.from(encoded.key), value: Buffer.from(encoded.value), headers: {} };
    const letters: DeadLetter[] = [];
    const errors: string[] = [];
    let attempts = 0;

    await server.kill();
    const restarted = new Promise<void>((resolve, reject) => setTimeout(() => server.start().then(resolve, reject), 2_000));
    const outcome = await processMessage(message, {
      contract: studyReceived,
      service: 'infer',
      backoff: { initialMs: 100, maxMs: 500 },
      handler: async () => {
        attempts += 1;
        if (!(await store.isDone(`done:${STUDY}`))) await store.markDone(`done:${STUDY}`, 60_000);
      },
      onRetry: (error) => void errors.push((error as Error).name),
      deadLetter: async (_key, letter) => void letters.push(letter),
    });
    await restarted;

    expect(letters).toEqual([]);
    expect(outcome).toBe('handled');
    expect(attempts).toBeGreaterThan(1);
    expect(await store.isDone(`done:${STUDY}`)).toBe(true);
  }, 60_000);
});
