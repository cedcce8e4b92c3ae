import type { Redis } from '@lungflow/redis';
import type { ReportPacs } from '../pacs/ReportPacs';

const held = (study: string) => `held:${study}`;

/**
 * The review gate (REPORT_REVIEW_GATE, off by default; MONAI Deploy's clinical-review pattern): the model's SR and
 * SC are held in Redis instead of going to the PACS, and released when a reviewer saves a review that agrees with
 * the model. A disagreeing review drops them: only the reviewer's SEG + SR reach the PACS. The worklist still lists
 * the study (with its thumbnails) so it can be reviewed.
 */
export class ReviewGate {
  constructor(
    private readonly redis: Pick<Redis, 'del' | 'hgetallBuffer' | 'hset'>,
    private readonly pacs: ReportPacs,
  ) {}

  /** The PACS as the result writer sees it: storing holds. */
  holdingPacs(): ReportPacs {
    return {
      retrieveInstance: (...args) => this.pacs.retrieveInstance(...args),
      searchInstances: (...args) => this.pacs.searchInstances(...args),
      retrieveRendered: (...args) => this.pacs.retrieveRendered(...args),
      storeInstances: async (instances, studyUid) => {
        if (!studyUid) throw new RangeError('the review gate holds results per study: storeInstances needs the study UID');
        await this.redis.del(held(studyUid)); // a newer result replaces the one still held
        await this.redis.hset(held(studyUid), Object.fromEntries(instances.map((part10, i) => [String(i), Buffer.from(part10)])));
        return { stored: [], failed: [] };
      },
    };
  }

  /** After a review: STOW the held objects when the reviewer agreed, drop them otherwise. True when some were held. */
  async decide(studyInstanceUid: string, accepted: boolean): Promise<boolean> {
    const objects = await this.redis.hgetallBuffer(held(studyInstanceUid));
    const parts = Object.keys(objects).sort().map((k) => new Uint8Array(objects[k] as Buffer));
    if (parts.length === 0) return false;
    if (accepted) await this.pacs.storeInstances(parts, studyInstanceUid);
    await this.redis.del(held(studyInstanceUid));
    return true;
  }
}
