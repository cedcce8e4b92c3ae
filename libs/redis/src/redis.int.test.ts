import { randomUUID } from 'node:crypto';
import { CursorStore, DueQueue, IdempotencyStore, createRedis } from './index';
import type { Redis } from './index';

// Real Redis from deploy/local (npm run stack:up); a random key prefix per run keeps runs apart.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('redis primitives (real Redis)', () => {
  let redis: Redis;
  let other: Redis;
  const prefix = `test:redis:${randomUUID()}:`;

  beforeAll(() => {
    redis = createRedis(REDIS_URL, { keyPrefix: prefix });
    other = createRedis(REDIS_URL, { keyPrefix: prefix });
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys.map((key) => key.slice(prefix.length)));
    await Promise.all([redis.quit(), other.quit()]);
  });

  it('lets exactly one of two concurrent claimants win, and only the owner release', async () => {
    const a = new IdempotencyStore(redis);
    const b = new IdempotencyStore(other);
    const results = await Promise.all([a.claim('study:1', 5_000), b.claim('study:1', 5_000)]);
    const winners = results.filter((token) => token !== null);
    expect(winners).toHaveLength(1);
    expect(await a.release('study:1', 'not-the-token')).toBe(false);
    expect(await a.release('study:1', winners[0] as string)).toBe(true);
    expect(await b.claim('study:1', 5_000)).not.toBeNull();
  });

  it('lets a claim expire so a crashed owner only delays the work', async () => {
    const store = new IdempotencyStore(redis);
    expect(await store.claim('short', 100)).not.toBeNull();
    expect(await store.claim('short', 100)).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await store.claim('short', 100)).not.toBeNull();
  });

  it('moves a cursor forward only, and keeps it across clients (restarts)', async () => {
    const cursors = new CursorStore(redis);
    expect(await cursors.get('orthanc')).toBeUndefined();
    expect(await cursors.advance('orthanc', 10)).toBe(true);
    expect(await cursors.advance('orthanc', 7)).toBe(false);
    expect(await new CursorStore(other).get('orthanc')).toBe(10);
  });

  it('returns due members in order and removes one only if it was not rescheduled meanwhile', async () => {
    const queue = new DueQueue(redis, 'due');
    await queue.schedule('a', 1_000);
    await queue.schedule('b', 500);
    await queue.schedule('c', 5_000);
    const due = await queue.due(2_000);
    expect(due).toEqual([{ member: 'b', dueAt: 500 }, { member: 'a', dueAt: 1_000 }]);
    await queue.schedule('a', 3_000); // touched again while being processed
    expect(await queue.removeIfUnchanged(due[1])).toBe(false);
    expect(await queue.removeIfUnchanged(due[0])).toBe(true);
    expect(await queue.size()).toBe(2);
    expect(await queue.oldest()).toBe(3_000);
    await queue.schedule('a', 2_000, { onlyLater: true });
    await queue.schedule('d', 100, { onlyLater: true });
    expect(await queue.due(3_000)).toEqual([{ member: 'd', dueAt: 100 }, { member: 'a', dueAt: 3_000 }]);
  });
});
