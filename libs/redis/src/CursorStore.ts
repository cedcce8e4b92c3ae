import type Redis from 'ioredis';

// Only ever moves forward, so two replicas polling the same feed cannot move it back.
const ADVANCE = `local current = tonumber(redis.call('GET', KEYS[1]) or '-1')
if tonumber(ARGV[1]) > current then redis.call('SET', KEYS[1], ARGV[1]) return 1 end
return 0`;

/** Persistent positions in a feed (Orthanc `/changes` sequence, QIDO poll window), keyed by name. */
export class CursorStore {
  constructor(private readonly redis: Redis, private readonly prefix = 'cursor:') {}

  async get(name: string): Promise<number | undefined> {
    const value = await this.redis.get(this.prefix + name);
    return value === null ? undefined : Number(value);
  }

  /** Sets the cursor to `value` if that is ahead of the stored one; returns whether it moved. */
  async advance(name: string, value: number): Promise<boolean> {
    return (await this.redis.eval(ADVANCE, 1, this.prefix + name, String(value))) === 1;
  }
}
