import type { Redis } from '@lungflow/redis';
import { priorityAt, sortKey } from './priority';
import type { WorklistEntry, WorklistItem } from './WorklistEntry';

export interface WorklistFilter {
  modality?: string;
  /** `positive` or `negative` (the decision), or a class name the decision is about. */
  decision?: string;
  unread?: boolean;
  limit?: number;
}

/** What changed, published so every replica's open pages refresh (Redis pub/sub, not kept). */
export interface WorklistChange {
  type: 'listed' | 'read' | 'unread';
  studyInstanceUid: string;
}

/** Small PNGs made when the result is written, so a long worklist page needs no rendering. */
export interface Thumbnails {
  image: Uint8Array;
  heatmap: Uint8Array;
}

/** Longer side of the stored thumbnails. */
export const THUMBNAIL_SIZE = 256;

const ORDER = 'worklist';

/**
 * KEYS: study hash, order set. ARGV: studyVersion, entry JSON, score, StudyInstanceUID[, image PNG, heatmap PNG].
 * Entries written before the `studyVersion` field existed are read through their JSON.
 */
const UPSERT_IF_NOT_OLDER = `
local stored = redis.call('HGET', KEYS[1], 'studyVersion')
if not stored then
  local json = redis.call('HGET', KEYS[1], 'entry')
  if json then stored = cjson.decode(json).studyVersion end
end
if stored and tonumber(stored) > tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'entry', ARGV[2], 'studyVersion', ARGV[1])
if ARGV[5] then redis.call('HSET', KEYS[1], 'thumbnail:image', ARGV[5], 'thumbnail:heatmap', ARGV[6]) end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
return 1`;
const study = (uid: string): string => `study:${uid}`;

/**
 * The worklist in Redis, so every report replica serves the same order: a sorted set `worklist` (member the
 * StudyInstanceUID, score sortKey) and a hash `study:<uid>` with the entry (JSON), `listedAt`, `readAt` and the
 * PNG thumbnails `thumbnail:image` and `thumbnail:heatmap`.
 * Keys are under the client's key prefix; `channel` carries WorklistChange messages.
 */
export class WorklistStore {
  constructor(
    private readonly redis: Redis,
    readonly channel: string,
  ) {}

  /**
   * Lists or updates a study. `listedAt` is set once (HSETNX), so a redelivered or newer result keeps its place in
   * the queue's age; a newer study version replaces the result and resets nothing else. An OLDER version (a late
   * redelivery of v1 after v2 was listed) changes nothing: the check and the write are one Lua script, so two
   * replicas cannot interleave them. Returns the entry the worklist holds afterwards.
   */
  async upsert(entry: Omit<WorklistEntry, 'listedAt'>, now: Date, thumbnails?: Thumbnails): Promise<WorklistEntry> {
    const key = study(entry.studyInstanceUid);
    await this.redis.hsetnx(key, 'listedAt', now.toISOString());
    const listedAt = (await this.redis.hget(key, 'listedAt')) ?? now.toISOString();
    const full: WorklistEntry = { ...entry, listedAt };
    const score = sortKey({ positive: full.decision.positive, probability: full.probability, listedAt });
    const pictures = thumbnails ? [Buffer.from(thumbnails.image), Buffer.from(thumbnails.heatmap)] : [];
    const written = await this.redis.eval(UPSERT_IF_NOT_OLDER, 2, key, ORDER, String(full.studyVersion), JSON.stringify(full), String(score), full.studyInstanceUid, ...pictures);
    if (written !== 1) {
      const current = await this.redis.hget(key, 'entry');
      return current ? (JSON.parse(current) as WorklistEntry) : full;
    }
    await this.publish({ type: 'listed', studyInstanceUid: entry.studyInstanceUid });
    return full;
  }

  async get(studyInstanceUid: string, now: Date = new Date()): Promise<WorklistItem | undefined> {
    const [entry, readAt] = await this.redis.hmget(study(studyInstanceUid), 'entry', 'readAt');
    return toItem({ ...(entry ? { entry } : {}), ...(readAt ? { readAt } : {}) }, now);
  }

  /** Stores a thumbnail made later (for a result listed before thumbnails were stored with it). */
  async storeThumbnail(studyInstanceUid: string, kind: 'image' | 'heatmap', png: Uint8Array): Promise<void> {
    const key = study(studyInstanceUid);
    if (await this.redis.hexists(key, 'entry')) await this.redis.hset(key, `thumbnail:${kind}`, Buffer.from(png));
  }

  /** The PNG thumbnail stored with the result (THUMBNAIL_SIZE px), if any. */
  async thumbnail(studyInstanceUid: string, kind: 'image' | 'heatmap'): Promise<Buffer | undefined> {
    return (await this.redis.hgetBuffer(study(studyInstanceUid), `thumbnail:${kind}`)) ?? undefined;
  }

  /** Highest priority first; filters apply before `limit`. */
  async list(filter: WorklistFilter = {}, now: Date = new Date()): Promise<WorklistItem[]> {
    const uids = await this.redis.zrevrange(ORDER, 0, -1);
    if (uids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const uid of uids) pipeline.hmget(study(uid), 'entry', 'readAt');
    const replies = (await pipeline.exec()) ?? [];
    const items: WorklistItem[] = [];
    for (const [error, reply] of replies) {
      if (error) throw error;
      const [entry, readAt] = reply as [string | null, string | null];
      const item = toItem({ ...(entry ? { entry } : {}), ...(readAt ? { readAt } : {}) }, now);
      if (item && matches(item, filter)) items.push(item);
      if (filter.limit !== undefined && items.length >= filter.limit) break;
    }
    return items;
  }

  /** Marks a study read (or unread again); false when the study is not on the worklist. */
  async setRead(studyInstanceUid: string, read: boolean, now: Date = new Date()): Promise<boolean> {
    const key = study(studyInstanceUid);
    if (!(await this.redis.hexists(key, 'entry'))) return false;
    if (read) await this.redis.hset(key, 'readAt', now.toISOString());
    else await this.redis.hdel(key, 'readAt');
    await this.publish({ type: read ? 'read' : 'unread', studyInstanceUid });
    return true;
  }

  private async publish(change: WorklistChange): Promise<void> {
    await this.redis.publish(this.channel, JSON.stringify(change));
  }
}

function toItem(fields: Record<string, string>, now: Date): WorklistItem | undefined {
  if (!fields.entry) return undefined;
  const entry = JSON.parse(fields.entry) as WorklistEntry;
  const readAt = fields.readAt ?? null;
  return { ...entry, read: readAt !== null, readAt, priority: priorityAt({ positive: entry.decision.positive, probability: entry.probability, listedAt: entry.listedAt }, now) };
}

function matches(item: WorklistItem, filter: WorklistFilter): boolean {
  if (filter.modality && item.modality.toUpperCase() !== filter.modality.toUpperCase()) return false;
  if (filter.unread && item.read) return false;
  if (filter.decision) {
    if (filter.decision === 'positive' || filter.decision === 'negative') {
      if (item.decision.positive !== (filter.decision === 'positive')) return false;
    } else if (item.decision.className !== filter.decision) return false;
  }
  return true;
}
