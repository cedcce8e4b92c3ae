import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { stackSettings } from '../helpers/stackSettings';

// The real Redis of deploy/local (npm run stack:up); plain ioredis, so this checks the server, not libs/redis.
jest.setTimeout(30_000);

describe('local Redis', () => {
  const redis = new Redis(stackSettings().redisUrl, { maxRetriesPerRequest: 1 });
  const prefix = `lungflow-stack-test:${randomUUID()}:`;

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('answers PING', async () => {
    expect(await redis.ping()).toBe('PONG');
  });

  it('writes and reads strings with expiry, counters and hashes', async () => {
    expect(await redis.set(`${prefix}string`, 'hello', 'EX', 60)).toBe('OK');
    expect(await redis.get(`${prefix}string`)).toBe('hello');
    const ttl = await redis.ttl(`${prefix}string`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);

    expect(await redis.incr(`${prefix}counter`)).toBe(1);
    expect(await redis.incrby(`${prefix}counter`, 41)).toBe(42);

    await redis.hset(`${prefix}hash`, { status: 'stored', instances: '2' });
    expect(await redis.hgetall(`${prefix}hash`)).toEqual({ status: 'stored', instances: '2' });

    expect(await redis.set(`${prefix}string`, 'other', 'NX')).toBeNull();
    expect(await redis.del(`${prefix}string`)).toBe(1);
    expect(await redis.get(`${prefix}string`)).toBeNull();
  });

  it('keeps an append-only file fsynced every second, so a crash loses at most about a second of writes', async () => {
    const [, appendonly] = (await redis.config('GET', 'appendonly')) as [string, string];
    const [, appendfsync] = (await redis.config('GET', 'appendfsync')) as [string, string];
    expect({ appendonly, appendfsync }).toEqual({ appendonly: 'yes', appendfsync: 'everysec' });
  });

  it('is bound to loopback only', async () => {
    const [, bind] = (await redis.config('GET', 'bind')) as [string, string];
    expect(bind.split(/\s+/)).toEqual(['127.0.0.1']);
  });
});
