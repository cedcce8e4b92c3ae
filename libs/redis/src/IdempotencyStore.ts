import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';

const RELEASE_IF_OWNER = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/**
 * "Do this once" across replicas: `SET key token NX PX ttl`. A claim expires by itself, so a replica that dies while
 * holding one only delays the work, and only the owner (by its random token) can release it early.
 */
export class IdempotencyStore {
  constructor(private readonly redis: Redis) {}

  /** Returns the owner token when this caller won the claim, or null when someone else holds it. */
  async claim(key: string, ttlMs: number): Promise<string | null> {
    const token = randomUUID();
    const result = await this.redis.set(key, token, 'PX', ttlMs, 'NX');
    return result === 'OK' ? token : null;
  }

  async release(key: string, token: string): Promise<boolean> {
    return (await this.redis.eval(RELEASE_IF_OWNER, 1, key, token)) === 1;
  }

  /** Marks `key` done for `ttlMs` (unconditionally): later claims of it fail until it expires. */
  async markDone(key: string, ttlMs: number, value = 'done'): Promise<void> {
    await this.redis.set(key, value, 'PX', ttlMs);
  }

  async isDone(key: string): Promise<boolean> {
    return (await this.redis.exists(key)) === 1;
  }
}
