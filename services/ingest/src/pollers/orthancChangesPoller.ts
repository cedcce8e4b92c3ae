import type { CursorStore } from '@lungflow/redis';
import type { Logger } from '@lungflow/logging';
import type { OrthancRestClient } from '../pacs/OrthancRestClient';
import { inParallel } from '../inParallel';
import type { StudyTracker } from '../studyTracker';

/**
 * Change types that mean "this study has news". NewInstance is left out on purpose (one REST call per instance to
 * find its study); the quiet-period look counts instances itself, and StableSeries/StableStudy arrive after
 * Orthanc's StableAge for instances added to an existing series.
 */
const STUDY_NEWS = new Set(['NewStudy', 'NewSeries', 'StableSeries', 'StableStudy']);

const RESOLVE_IN_PARALLEL = 8;

export interface OrthancChangesPollerOptions {
  orthanc: Pick<OrthancRestClient, 'changes' | 'lastChange' | 'cursorBefore' | 'studyUid' | 'parentStudyOf'>;
  cursors: Pick<CursorStore, 'get' | 'advance'>;
  tracker: Pick<StudyTracker, 'touch'>;
  cursorName: string;
  /** No cursor (first start, or Redis lost its data): begin near the end (`now`) or replay the whole feed (`beginning`). */
  start: 'now' | 'beginning';
  /**
   * With `start: 'now'`, how far back (ms) a missing cursor begins: the studies that were waiting for their quiet
   * period when Redis lost its data are touched again instead of lost (issue 16, item 6). 0: the end of the feed.
   */
  replayMs?: number;
  log: Pick<Logger, 'info' | 'debug'>;
  now?: () => number;
  pageSize?: number;
}

/**
 * Polls Orthanc's `/changes` feed. The cursor (last sequence number) is stored in Redis only after every study in
 * the page has been touched in Redis, so a restart re-reads at most one page (touching is idempotent) and misses
 * nothing.
 */
export class OrthancChangesPoller {
  private readonly studyUids = new Map<string, string>();

  constructor(private readonly options: OrthancChangesPollerOptions) {}

  /** One pass to the end of the feed; returns the number of study touches. */
  async pollOnce(): Promise<number> {
    const { orthanc, cursors, cursorName } = this.options;
    let since = await cursors.get(cursorName);
    if (since === undefined) {
      since = await this.startingCursor();
      await cursors.advance(cursorName, since);
      // The cursor may have come back meanwhile (another replica): go on from wherever it now is.
      since = (await cursors.get(cursorName)) ?? since;
      this.options.log.info({ cursor: since, replayMs: this.options.start === 'now' ? (this.options.replayMs ?? 0) : undefined }, 'orthanc change feed: no cursor (first start, or Redis lost its data)');
    }
    let touches = 0;
    for (;;) {
      const page = await orthanc.changes(since, this.options.pageSize ?? 200);
      const studies = new Set<string>();
      // One or two REST calls per change: resolved a few at a time, or a burst of studies is seen one by one.
      const news = page.Changes.filter((change) => STUDY_NEWS.has(change.ChangeType));
      await inParallel(news, RESOLVE_IN_PARALLEL, async (change) => {
        const uid = await this.studyUidOf(change.ResourceType, change.ID);
        if (uid) studies.add(uid);
      });
      await inParallel([...studies], RESOLVE_IN_PARALLEL, (uid) => this.options.tracker.touch(uid, 'orthanc-changes'));
      touches += studies.size;
      if (page.Last > since) await cursors.advance(cursorName, page.Last);
      since = Math.max(since, page.Last);
      if (page.Done || page.Changes.length === 0) return touches;
    }
  }

  /**
   * Where a missing cursor begins. A missing cursor cannot tell a first start from a Redis that lost its data, so
   * both replay the window: touching a study again is harmless (its published versions are checked by content hash,
   * and infer and report write deterministic UIDs), while skipping it would lose a study that was waiting.
   */
  private async startingCursor(): Promise<number> {
    const { orthanc, start, replayMs = 0 } = this.options;
    if (start === 'beginning') return 0;
    if (replayMs <= 0) return orthanc.lastChange();
    return orthanc.cursorBefore(new Date((this.options.now ?? Date.now)() - replayMs));
  }

  private async studyUidOf(resourceType: string, id: string): Promise<string | undefined> {
    const { orthanc } = this.options;
    const studyId = resourceType === 'Study' ? id : resourceType === 'Series' ? await orthanc.parentStudyOf('series', id) : undefined;
    if (studyId === undefined) return undefined;
    const cached = this.studyUids.get(studyId);
    if (cached) return cached;
    const uid = await orthanc.studyUid(studyId);
    if (uid) {
      if (this.studyUids.size > 10_000) this.studyUids.clear();
      this.studyUids.set(studyId, uid);
    }
    return uid;
  }
}
