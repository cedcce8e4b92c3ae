import Redis from 'ioredis';
import { backoffDelay } from '@lungflow/errors';

export interface CreateRedisOptions {
  /** Prepended to every key (also inside scripts): one deployment, or one test, per prefix. */
  keyPrefix?: string;
  /** Tries per command while Redis is down before the command fails (ioredis default 20 is ~minutes of hanging). */
  maxRetriesPerRequest?: number;
}

/**
 * One ioredis client. Commands fail fast while Redis is down (so callers can back off and readiness can say so)
 * and the client keeps reconnecting in the background with capped backoff.
 */
export function createRedis(url: string, options: CreateRedisOptions = {}): Redis {
  return new Redis(url, {
    keyPrefix: options.keyPrefix,
    maxRetriesPerRequest: options.maxRetriesPerRequest ?? 2,
    retryStrategy: (times) => backoffDelay(times, { initialMs: 100, maxMs: 5_000 }),
    lazyConnect: false,
  });
}

/** Readiness check: true when Redis answers PING. */
export async function pingRedis(redis: Redis): Promise<boolean> {
  return (await redis.ping()) === 'PONG';
}
