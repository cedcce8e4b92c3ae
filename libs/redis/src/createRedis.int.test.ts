import { RedisServer } from '../../../test/helpers/redisServer';
import { createRedis, pingRedis, type RedisLog } from './createRedis';
import type Redis from 'ioredis';

/**
 * Issue 16: infer's Redis client had no 'error' listener, so a Redis restart made ioredis print "[ioredis] Unhandled
 * error event" with a stack trace to stderr on every reconnect attempt. createRedis attaches the listener itself, so
 * no service can forget it. A private redis-server (not the stack's) is killed with SIGKILL and started again.
 */
jest.setTimeout(30_000);

describe('createRedis while Redis restarts (real redis-server, SIGKILL)', () => {
  const server = new RedisServer();
  const clients: Redis[] = [];
  beforeAll(() => server.start());
  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await server.stop();
  });

  it('reports the outage once per client in the log, never as an unhandled error event, and recovers', async () => {
    const lines: Array<{ level: string; msg: string; obj: Record<string, unknown> }> = [];
    const log: RedisLog = {
      warn: (obj, msg) => void lines.push({ level: 'warn', msg, obj: obj as Record<string, unknown> }),
      info: (obj, msg) => void lines.push({ level: 'info', msg, obj: obj as Record<string, unknown> }),
    };
    const stderr = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const redis = createRedis(server.url, { log, name: 'infer' });
      const subscriber = redis.duplicate(); // report's worklist subscriber is made this way
      clients.push(redis, subscriber);
      expect(await pingRedis(redis)).toBe(true);
      expect(await subscriber.ping()).toBe('PONG');

      await server.kill();
      let reconnects = 0;
      redis.on('reconnecting', () => (reconnects += 1));
      while (reconnects < 3) await new Promise((resolve) => setTimeout(resolve, 100));
      await expect(redis.get('k')).rejects.toThrow(); // commands fail fast meanwhile (callers back off)

      await server.start();
      const deadline = Date.now() + 15_000;
      while (lines.filter((l) => l.level === 'info').length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await pingRedis(redis)).toBe(true);

      const unhandled = stderr.mock.calls.filter((args) => String(args[0]).includes('Unhandled error event'));
      expect(unhandled).toEqual([]);
      // One warning when each connection was lost, one line when it was back: not one per reconnect attempt.
      expect(lines.map((l) => `${l.level} ${l.obj.client as string}`).sort()).toEqual(['info infer', 'info infer (duplicate)', 'warn infer', 'warn infer (duplicate)']);
      expect(lines.find((l) => l.level === 'info' && l.obj.client === 'infer')?.obj.errors).toBeGreaterThanOrEqual(1);
    } finally {
      stderr.mockRestore();
    }
  });

  it('has an error listener even when the caller passes no log', () => {
    const redis = createRedis(server.url);
    const duplicate = redis.duplicate();
    clients.push(redis, duplicate);
    expect(redis.listenerCount('error')).toBeGreaterThan(0);
    expect(duplicate.listenerCount('error')).toBeGreaterThan(0);
  });
});
