import Redis from 'ioredis';
import { backoffDelay } from '@lungflow/errors';
import type { RedisSecurity } from './redisSecurity';

/** Where the client reports losing and regaining Redis (a pino logger fits). */
export interface RedisLog {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export interface CreateRedisOptions {
  /** Prepended to every key (also inside scripts): one deployment, or one test, per prefix. */
  keyPrefix?: string;
  /** Tries per command while Redis is down before the command fails (ioredis default 20 is ~minutes of hanging). */
  maxRetriesPerRequest?: number;
  /** Gets one line when the connection is lost and one when it is back; silent when absent. */
  log?: RedisLog;
  /** Names the client in those lines (e.g. `worklist subscriber`). */
  name?: string;
  /** AUTH and TLS (redisSecurity(config)); what the URL says when absent. */
  security?: RedisSecurity;
}

/**
 * One ioredis client. Commands fail fast while Redis is down (so callers can back off and readiness can say so)
 * and the client keeps reconnecting in the background with capped backoff.
 *
 * It always has an 'error' listener: without one ioredis writes "[ioredis] Unhandled error event" and a stack trace
 * to stderr on every reconnect attempt of a Redis restart (issue 16), outside the JSON log. Here an outage is one
 * warning when it starts and one line when Redis is ready again, whoever the caller is; `duplicate()` (a subscriber
 * connection) gets the same listener, since ioredis copies options but not listeners.
 */
export function createRedis(url: string, options: CreateRedisOptions = {}): Redis {
  const client = new Redis(url, {
    ...options.security,
    keyPrefix: options.keyPrefix,
    maxRetriesPerRequest: options.maxRetriesPerRequest ?? 2,
    retryStrategy: (times) => backoffDelay(times, { initialMs: 100, maxMs: 5_000 }),
    lazyConnect: false,
  });
  return watched(client, options.log, options.name ?? 'redis');
}

function watched(client: Redis, log: RedisLog | undefined, name: string): Redis {
  let downSince: number | undefined;
  let failures = 0;
  client.on('error', (error: unknown) => {
    failures += 1;
    if (downSince !== undefined) return;
    downSince = Date.now();
    log?.warn({ err: error, client: name }, 'Redis connection error; reconnecting in the background (further errors are not logged until it is back)');
  });
  client.on('ready', () => {
    if (downSince === undefined) return;
    log?.info({ client: name, downMs: Date.now() - downSince, errors: failures }, 'Redis connection ready again');
    downSince = undefined;
    failures = 0;
  });
  const duplicate = client.duplicate.bind(client);
  client.duplicate = (override) => watched(duplicate(override), log, `${name} (duplicate)`);
  return client;
}

/** Readiness check: true when Redis answers PING. */
export async function pingRedis(redis: Redis): Promise<boolean> {
  return (await redis.ping()) === 'PONG';
}
