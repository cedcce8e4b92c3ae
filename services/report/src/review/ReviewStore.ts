import type { Redis } from '@lungflow/redis';

/** What the worklist and the metrics need of a saved review (the PACS holds the review itself). */
export interface ReviewSummary {
  studyInstanceUid: string;
  username: string;
  revision: number;
  label: string;
  agreesWithModel: boolean;
  modelClass: string;
  modelPositive: boolean;
  savedAt: string;
  sr: { seriesInstanceUid: string; sopInstanceUid: string };
  seg: { seriesInstanceUid: string; sopInstanceUid: string };
}

const revisions = (study: string) => `review:${study}:revisions`;
const latest = 'review:latest';
/** Raises a reviewer's revision counter to ARGV[2] unless it is already there or beyond. */
const RAISE_TO = `
local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if current >= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1`;

/**
 * Redis: hash `review:<study>:revisions` (reviewer → last revision number, HINCRBY so two saves never share one) and
 * hash `review:latest` (study → the latest ReviewSummary JSON).
 */
export class ReviewStore {
  constructor(private readonly redis: Redis) {}

  /** The next revision number of this reviewer for this study (1 for the first save). */
  nextRevision(studyInstanceUid: string, username: string): Promise<number> {
    return this.redis.hincrby(revisions(studyInstanceUid), username, 1);
  }

  /**
   * After Redis lost its data: a reviewer's counter raised to the last revision the audit trail names, so the next
   * save is a new revision with new UIDs, not revision 1 again (whose UIDs would overwrite the first review in the
   * PACS). Returns whether it was raised.
   */
  async raiseRevision(studyInstanceUid: string, username: string, revision: number): Promise<boolean> {
    return (await this.redis.eval(RAISE_TO, 1, revisions(studyInstanceUid), username, String(revision))) === 1;
  }

  async saved(summary: ReviewSummary): Promise<void> {
    await this.redis.hset(latest, summary.studyInstanceUid, JSON.stringify(summary));
  }

  async latest(studyInstanceUid: string): Promise<ReviewSummary | undefined> {
    const text = await this.redis.hget(latest, studyInstanceUid);
    return text ? (JSON.parse(text) as ReviewSummary) : undefined;
  }

  async all(): Promise<Map<string, ReviewSummary>> {
    const entries = await this.redis.hgetall(latest);
    return new Map(Object.entries(entries).map(([study, text]) => [study, JSON.parse(text) as ReviewSummary]));
  }
}
