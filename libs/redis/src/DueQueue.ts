import type Redis from 'ioredis';

// Removes a member only if nobody rescheduled it meanwhile (its due time is still the one we processed).
const REMOVE_IF_UNCHANGED = `local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) == tonumber(ARGV[2]) then return redis.call('ZREM', KEYS[1], ARGV[1]) end
return 0`;

export interface DueItem {
  member: string;
  dueAt: number;
}

/**
 * Timers that survive restarts: a sorted set of members scored by when they are due (epoch ms). Ingest keeps one
 * entry per study that must be looked at again (quiet-period check); any replica can pick due entries up.
 */
export class DueQueue {
  constructor(private readonly redis: Redis, private readonly key: string) {}

  /**
   * Schedules `member` at `dueAt`. With `onlyLater` an existing entry only moves later (ZADD GT), so a short retry
   * delay never cuts short a quiet period that a newer touch started.
   */
  async schedule(member: string, dueAt: number, { onlyLater = false }: { onlyLater?: boolean } = {}): Promise<void> {
    if (onlyLater) await this.redis.zadd(this.key, 'GT', String(dueAt), member);
    else await this.redis.zadd(this.key, String(dueAt), member);
  }

  async due(now: number, limit = 50): Promise<DueItem[]> {
    const flat = await this.redis.zrangebyscore(this.key, '-inf', String(now), 'WITHSCORES', 'LIMIT', 0, limit);
    const items: DueItem[] = [];
    for (let i = 0; i < flat.length; i += 2) items.push({ member: flat[i], dueAt: Number(flat[i + 1]) });
    return items;
  }

  async removeIfUnchanged(item: DueItem): Promise<boolean> {
    return (await this.redis.eval(REMOVE_IF_UNCHANGED, 1, this.key, item.member, String(item.dueAt))) === 1;
  }

  async size(): Promise<number> {
    return this.redis.zcard(this.key);
  }

  /** The earliest due time, or undefined when empty (for lag metrics). */
  async oldest(): Promise<number | undefined> {
    const [, score] = await this.redis.zrange(this.key, 0, 0, 'WITHSCORES');
    return score === undefined ? undefined : Number(score);
  }
}
