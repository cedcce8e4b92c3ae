import type { DueItem, Redis } from '@lungflow/redis';
import { DueQueue, IdempotencyStore } from '@lungflow/redis';
import type { IngestSource } from './publisher';

/** What ingest remembers about one study between looks (all hashes are contentHash values). */
export interface StudyState {
  /** Hash of every instance seen at the last look (in scope or not): the quiet-period check compares it. */
  observedHash?: string;
  /** The observedHash that was last filtered/published: nothing to do while the study stays at it. */
  settledHash?: string;
  /** Hash of the in-scope instances last published, and its version number. */
  publishedHash?: string;
  version?: number;
  source?: IngestSource;
}

/** Ingest's durable state; RedisTrackerStore in production, an in-memory one in unit tests. */
export interface TrackerStore {
  /** Records activity on a study: (re)starts its quiet period. Resolves true the first time the study is seen. */
  touch(studyUid: string, source: IngestSource, dueAt: number): Promise<boolean>;
  due(now: number, limit: number): Promise<DueItem[]>;
  /** Moves a study's next look later (never earlier). */
  reschedule(studyUid: string, dueAt: number): Promise<void>;
  /** Forgets the pending look, unless the study was touched meanwhile. */
  finish(item: DueItem): Promise<void>;
  getState(studyUid: string): Promise<StudyState>;
  setState(studyUid: string, state: Partial<StudyState>): Promise<void>;
  /** Per-study lock across replicas; returns a token or null when another replica holds it. */
  lock(studyUid: string, ttlMs: number): Promise<string | null>;
  unlock(studyUid: string, token: string): Promise<void>;
  isPublished(studyUid: string, hash: string): Promise<boolean>;
  markPublished(studyUid: string, hash: string): Promise<void>;
  pending(): Promise<{ count: number; oldestDueAt?: number }>;
}

/**
 * Redis layout (under the client's key prefix, INGEST_REDIS_PREFIX + INGEST_PACS_ID + ':'):
 * `due` sorted set of study UIDs by next look; `study:{uid}` hash (StudyState, expires after the published TTL);
 * `lock:{uid}` (SET NX PX); `published:{uid}:{hash}` (SET PX, the idempotency record of a published version).
 */
export class RedisTrackerStore implements TrackerStore {
  private readonly queue: DueQueue;
  private readonly idempotency: IdempotencyStore;

  constructor(private readonly redis: Redis, private readonly stateTtlMs: number) {
    this.queue = new DueQueue(redis, 'due');
    this.idempotency = new IdempotencyStore(redis);
  }

  async touch(studyUid: string, source: IngestSource, dueAt: number): Promise<boolean> {
    const key = `study:${studyUid}`;
    const results = await this.redis
      .multi()
      .hsetnx(key, 'firstSeenAt', String(Date.now()))
      .hsetnx(key, 'source', source)
      .pexpire(key, this.stateTtlMs)
      .zadd('due', 'GT', String(dueAt), studyUid)
      .exec();
    if (!results) throw new Error('Redis transaction aborted');
    for (const [error] of results) if (error) throw error;
    return results[0][1] === 1;
  }

  due(now: number, limit: number): Promise<DueItem[]> {
    return this.queue.due(now, limit);
  }

  reschedule(studyUid: string, dueAt: number): Promise<void> {
    return this.queue.schedule(studyUid, dueAt, { onlyLater: true });
  }

  async finish(item: DueItem): Promise<void> {
    await this.queue.removeIfUnchanged(item);
  }

  async getState(studyUid: string): Promise<StudyState> {
    const raw = await this.redis.hgetall(`study:${studyUid}`);
    return {
      observedHash: raw.observedHash,
      settledHash: raw.settledHash,
      publishedHash: raw.publishedHash,
      version: raw.version === undefined ? undefined : Number(raw.version),
      source: raw.source as IngestSource | undefined,
    };
  }

  async setState(studyUid: string, state: Partial<StudyState>): Promise<void> {
    const fields = Object.entries(state).filter(([, value]) => value !== undefined).map(([name, value]) => [name, String(value)]);
    if (fields.length === 0) return;
    await this.redis.multi().hset(`study:${studyUid}`, Object.fromEntries(fields)).pexpire(`study:${studyUid}`, this.stateTtlMs).exec();
  }

  lock(studyUid: string, ttlMs: number): Promise<string | null> {
    return this.idempotency.claim(`lock:${studyUid}`, ttlMs);
  }

  async unlock(studyUid: string, token: string): Promise<void> {
    await this.idempotency.release(`lock:${studyUid}`, token);
  }

  isPublished(studyUid: string, hash: string): Promise<boolean> {
    return this.idempotency.isDone(`published:${studyUid}:${hash}`);
  }

  markPublished(studyUid: string, hash: string): Promise<void> {
    return this.idempotency.markDone(`published:${studyUid}:${hash}`, this.stateTtlMs);
  }

  async pending(): Promise<{ count: number; oldestDueAt?: number }> {
    const [count, oldestDueAt] = await Promise.all([this.queue.size(), this.queue.oldest()]);
    return { count, oldestDueAt };
  }
}
