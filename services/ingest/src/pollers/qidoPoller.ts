import type { DicomJson } from '@lungflow/dicomweb';
import { firstString } from '@lungflow/dicomweb';
import type { CursorStore, Redis } from '@lungflow/redis';
import type { StudyTracker } from '../studyTracker';

const DAY_MS = 86_400_000;
const PAGE = 500;
const STUDY_UID = '0020000D';
const NUMBER_OF_STUDY_RELATED_INSTANCES = '00201208';

export interface QidoPollerOptions {
  pacs: { searchStudies(query: Record<string, string | number | string[]>): Promise<DicomJson[]> };
  redis: Redis;
  cursors: Pick<CursorStore, 'get' | 'advance'>;
  tracker: Pick<StudyTracker, 'touch'>;
  cursorName: string;
  lookbackDays: number;
  now?: () => number;
}

function studyDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10).replace(/-/g, '');
}

/**
 * Generic QIDO-RS poll for PACSs without a change feed (dcm4chee, Google Healthcare, …). DICOMweb has no "changed
 * since", so each poll asks for studies by StudyDate from one day before the last successful poll (the cursor, in
 * Redis) onwards, and touches every study whose instance count differs from the count last seen (kept in Redis per
 * study). Limits: studies without a StudyDate, or with one older than the window, are not found this way.
 */
export class QidoPoller {
  constructor(private readonly options: QidoPollerOptions) {}

  async pollOnce(): Promise<number> {
    const { cursors, cursorName, redis, pacs } = this.options;
    const now = (this.options.now ?? Date.now)();
    const since = (await cursors.get(cursorName)) ?? now - this.options.lookbackDays * DAY_MS;
    const from = studyDate(since - DAY_MS);
    const ttlMs = Math.max(now - since, this.options.lookbackDays * DAY_MS) + 3 * DAY_MS;
    let touches = 0;
    for (let offset = 0; ; offset += PAGE) {
      const page = await pacs.searchStudies({ StudyDate: `${from}-`, includefield: [NUMBER_OF_STUDY_RELATED_INSTANCES], limit: PAGE, offset });
      const studies = page.flatMap((item) => {
        const uid = firstString(item, STUDY_UID);
        return uid ? [{ uid, count: firstString(item, NUMBER_OF_STUDY_RELATED_INSTANCES) ?? '?' }] : [];
      });
      if (studies.length > 0) {
        const seen = await redis.mget(...studies.map((s) => `qido:seen:${s.uid}`));
        for (const [i, study] of studies.entries()) {
          if (seen[i] === study.count) continue;
          await this.options.tracker.touch(study.uid, 'qido');
          await redis.set(`qido:seen:${study.uid}`, study.count, 'PX', ttlMs);
          touches += 1;
        }
      }
      if (page.length < PAGE) break;
    }
    await cursors.advance(cursorName, now);
    return touches;
  }
}
