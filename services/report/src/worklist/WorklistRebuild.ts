import type { Kafka } from 'kafkajs';
import { TOPICS, auditEvent, decodeMessage, inferenceCompleted, reportStoredV2, type AuditEvent, type InferenceCompleted, type ReportStoredV2 } from '@lungflow/contracts';
import { readRetained } from '@lungflow/kafka';
import type { Logger } from '@lungflow/logging';
import type { Redis } from '@lungflow/redis';
import { mostSuspicious } from '@lungflow/results';
import { lesionsOf } from '../handlers/lesionsOf';
import { readPart10, reviewUids } from '@lungflow/dicom';
import { reviewFromSr } from '../review/reviewFromSr';
import type { ReviewStore, ReviewSummary } from '../review/ReviewStore';
import type { SourceImageRef } from './sourceDevice';
import type { WorklistEntry } from './WorklistEntry';
import type { WorklistStore } from './WorklistStore';

export interface WorklistRebuildOptions {
  kafka: Kafka;
  redis: Redis;
  worklist: Pick<WorklistStore, 'get' | 'upsert'>;
  logger: Pick<Logger, 'info' | 'warn'>;
  topics?: { reportStoredV2?: string; inferenceCompleted?: string; audit?: string };
  /**
   * When given, reviewers' revision counters are restored from the audit topic's `review.saved` events, and each
   * study's latest review summary from its review SR in the PACS (`reviewSr`).
   */
  reviews?: Pick<ReviewStore, 'raiseRevision' | 'latest' | 'saved'>;
  /** A review SR's bytes from the PACS (ReportPacs.retrieveInstance), to read its label and agreement back. */
  reviewSr?: (ref: { studyInstanceUid: string; seriesInstanceUid: string; sopInstanceUid: string }) => Promise<Uint8Array>;
  /** Longest read of one topic. */
  readTimeoutMs?: number;
  /**
   * The acquiring device of an entry's drawn image (deviceFromPacs): only the PACS knows it. Absent, or when the
   * PACS cannot say, the entry is listed without a device (the positive rate per device then leaves it out).
   */
  sourceDevice?: (ref: SourceImageRef) => Promise<string | undefined>;
}

/**
 * Present while the worklist in Redis is the one report wrote. Redis losing its data (a lost volume, FLUSHALL,
 * an AOF that could not be replayed) loses it with the worklist; its absence is what starts a rebuild.
 */
export const WORKLIST_MARK = 'worklist:intact';
const REBUILD_LOCK = 'worklist:rebuilding';

/**
 * Rebuilds missing worklist entries from Kafka when Redis lost them (issue 16, item 6). `report.stored` v2 says
 * which study versions have their SR and SC in the PACS and with what result; the `inference.completed` it was
 * made from (the same trace) gives the drawn image, the lesion and CT measurements and when the model finished. Each
 * study gets the entry of its newest stored version, listed at the time its first version was stored, with its SEG
 * (report.stored names it) and the device of its drawn image (asked of the PACS). What Redis alone knew is not
 * rebuilt: read marks, thumbnails (made again on first view), and the review summaries (services/report/README.md).
 */
export class WorklistRebuild {
  /** The model's decision by the SOP Instance UID of its SR, from every report.stored read: what a review was about. */
  private readonly decisionBySr = new Map<string, { className: string; positive: boolean }>();

  constructor(private readonly options: WorklistRebuildOptions) {}

  /** Rebuilds when the mark is missing (at most one replica at a time); returns the entries written, or null. */
  async ifLost(): Promise<number | null> {
    const { redis } = this.options;
    if ((await redis.exists(WORKLIST_MARK)) === 1) return null;
    if ((await redis.set(REBUILD_LOCK, String(process.pid), 'PX', 10 * 60_000, 'NX')) !== 'OK') return null;
    try {
      const written = await this.rebuild();
      if (this.options.reviews) await this.restoreReviews(this.options.reviews);
      await redis.set(WORKLIST_MARK, new Date().toISOString());
      return written;
    } finally {
      await redis.del(REBUILD_LOCK);
    }
  }

  /** Lists every stored study that the worklist lacks; returns how many entries it wrote. */
  async rebuild(): Promise<number> {
    const { kafka, worklist, logger, topics = {}, readTimeoutMs = 120_000 } = this.options;
    const newest = new Map<string, ReportStoredV2>();
    const firstStoredAt = new Map<string, string>();
    await readRetained(kafka, topics.reportStoredV2 ?? TOPICS.reportStoredV2.name, {
      timeoutMs: readTimeoutMs,
      onRecord: ({ key, value }) => {
        const stored = decoded(reportStoredV2, key, value);
        if (!stored) return;
        this.decisionBySr.set(stored.sr.sopInstanceUid, { className: stored.result.decision.className, positive: stored.result.decision.positive });
        const uid = stored.studyInstanceUid;
        const seen = newest.get(uid);
        if (!seen || stored.studyVersion > seen.studyVersion || (stored.studyVersion === seen.studyVersion && stored.storedAt > seen.storedAt)) newest.set(uid, stored);
        const first = firstStoredAt.get(uid);
        if (!first || stored.storedAt < first) firstStoredAt.set(uid, stored.storedAt);
      },
    });
    const missing = new Map<string, ReportStoredV2>();
    for (const [uid, stored] of newest) if (!(await worklist.get(uid))) missing.set(`${stored.traceId}/${stored.studyVersion}`, stored);
    if (missing.size === 0) {
      logger.info({ stored: newest.size }, 'worklist rebuild: nothing missing');
      return 0;
    }
    const results = new Map<string, InferenceCompleted>();
    await readRetained(kafka, topics.inferenceCompleted ?? TOPICS.inferenceCompleted.name, {
      timeoutMs: readTimeoutMs,
      onRecord: ({ key, value }) => {
        const event = decoded(inferenceCompleted, key, value);
        const id = event && `${event.traceId}/${event.studyVersion}`;
        if (id && missing.has(id) && missing.get(id)?.studyInstanceUid === event.studyInstanceUid) results.set(id, event);
      },
    });
    let written = 0;
    for (const [id, stored] of missing) {
      const event = results.get(id);
      if (!event) {
        logger.warn({ studyInstanceUid: stored.studyInstanceUid, studyVersion: stored.studyVersion }, 'worklist rebuild: its inference.completed is no longer retained; not listed');
        continue;
      }
      const listedAt = new Date(firstStoredAt.get(stored.studyInstanceUid) ?? stored.storedAt);
      const entry = entryOf(stored, event);
      const sourceDevice = await this.deviceOf({ sourcePacsId: stored.sourcePacsId, studyInstanceUid: stored.studyInstanceUid, ...entry.source });
      await worklist.upsert({ ...entry, ...(sourceDevice ? { sourceDevice } : {}) }, listedAt);
      written += 1;
    }
    logger.info({ stored: newest.size, missing: missing.size, written }, 'worklist rebuilt from report.stored');
    return written;
  }

  /**
   * What Redis held of the reviews, from the audit topic (kept a year), which names every save's study, reviewer and
   * revision. Each reviewer's revision counter is raised to its last saved revision, so the next save gets new UIDs
   * instead of revision 1's (whose SR and SEG the PACS would then overwrite). Each study's latest review summary (the
   * worklist's review column, the review metrics) is read back from that save's review SR in the PACS: label and
   * agreement from its content, the model's decision from the report.stored of the SR it reviewed. A summary whose
   * SR the PACS cannot give, or whose model SR report.stored no longer retains, is left out and logged, never
   * guessed. Returns the counters raised and the summaries written.
   */
  async restoreReviews(reviews: Pick<ReviewStore, 'raiseRevision' | 'latest' | 'saved'>): Promise<{ raised: number; summaries: number }> {
    const { kafka, logger, topics = {}, readTimeoutMs = 120_000 } = this.options;
    const last = new Map<string, { studyInstanceUid: string; username: string; revision: number }>();
    const latestOfStudy = new Map<string, { username: string; revision: number; at: string }>();
    await readRetained(kafka, topics.audit ?? TOPICS.audit.name, {
      timeoutMs: readTimeoutMs,
      onRecord: ({ key, value }) => {
        const event = decoded(auditEvent, key, value);
        if (event?.action !== 'review.saved' || !event.revision) return;
        const { studyInstanceUid } = event;
        const username = event.actor.username;
        const id = JSON.stringify([studyInstanceUid, username]);
        if ((last.get(id)?.revision ?? 0) < event.revision) last.set(id, { studyInstanceUid, username, revision: event.revision });
        const seen = latestOfStudy.get(studyInstanceUid);
        if (!seen || event.at > seen.at) latestOfStudy.set(studyInstanceUid, { username, revision: event.revision, at: event.at });
      },
    });
    let raised = 0;
    for (const { studyInstanceUid, username, revision } of last.values()) if (await reviews.raiseRevision(studyInstanceUid, username, revision)) raised += 1;
    let summaries = 0;
    if (this.options.reviewSr) {
      for (const [studyInstanceUid, save] of latestOfStudy) {
        if (await reviews.latest(studyInstanceUid)) continue; // saved again since the loss, or never lost
        const summary = await this.summaryOf(studyInstanceUid, save);
        if (!summary) continue;
        await reviews.saved(summary);
        summaries += 1;
      }
    }
    logger.info({ reviewers: last.size, raised, reviewedStudies: latestOfStudy.size, summaries }, 'reviews restored from the audit topic and the review SRs');
    return { raised, summaries };
  }

  private async summaryOf(studyInstanceUid: string, save: { username: string; revision: number; at: string }): Promise<ReviewSummary | undefined> {
    const sr = reviewUids(studyInstanceUid, save.username, save.revision, 'review-sr');
    const seg = reviewUids(studyInstanceUid, save.username, save.revision, 'review-seg');
    const skip = (why: string, error?: unknown): undefined => {
      this.options.logger.warn({ studyInstanceUid, revision: save.revision, ...(error ? { err: error } : {}) }, `worklist rebuild: review summary not restored: ${why}`);
      return undefined;
    };
    let content: ReturnType<typeof reviewFromSr>;
    try {
      content = reviewFromSr(readPart10(await this.options.reviewSr!({ studyInstanceUid, ...sr })).dataset);
    } catch (error) {
      return skip('the PACS did not give its review SR', error);
    }
    if (!content) return skip('its review SR names no label or agreement');
    const decision = content.modelSrSopInstanceUid ? this.decisionBySr.get(content.modelSrSopInstanceUid) : undefined;
    if (!decision) return skip('report.stored of the model SR it reviewed is no longer retained');
    return {
      studyInstanceUid,
      username: save.username,
      revision: save.revision,
      label: content.label,
      agreesWithModel: content.agreesWithModel,
      modelClass: decision.className,
      modelPositive: decision.positive,
      // the audit event's time: a few milliseconds after the save's own
      savedAt: save.at,
      sr,
      seg,
    };
  }

  private async deviceOf(ref: SourceImageRef): Promise<string | undefined> {
    try {
      return await this.options.sourceDevice?.(ref);
    } catch (error) {
      // a PACS that cannot answer now costs the device column, not the entry
      this.options.logger.warn({ err: error, studyInstanceUid: ref.studyInstanceUid }, 'worklist rebuild: the PACS did not name the source device; listed without it');
      return undefined;
    }
  }
}

type Decoded<C> = C extends typeof reportStoredV2 ? ReportStoredV2 : C extends typeof inferenceCompleted ? InferenceCompleted : AuditEvent;

function decoded<C extends typeof reportStoredV2 | typeof inferenceCompleted | typeof auditEvent>(contract: C, key: Buffer | null, value: Buffer | null) {
  try {
    return decodeMessage(contract, key, value).value as Decoded<C>;
  } catch {
    return undefined; // a malformed record: its consumer dead-lettered it when it came
  }
}

/** The entry the inference.completed handler wrote, from what the two events carry. */
export function entryOf(stored: ReportStoredV2, event: InferenceCompleted): Omit<WorklistEntry, 'listedAt'> {
  const chosen = mostSuspicious(event.results);
  const lesions = lesionsOf(chosen);
  const ctLungs = event.ctLungs?.find((series) => series.seriesInstanceUid === chosen.seriesInstanceUid);
  const { decision } = stored.result;
  const [sc] = stored.secondaryCaptures;
  if (!sc) throw new RangeError(`report.stored of study ${stored.studyInstanceUid} names no secondary capture`);
  return {
    studyInstanceUid: stored.studyInstanceUid,
    studyVersion: stored.studyVersion,
    modality: stored.result.modality,
    decision,
    probability: stored.result.probabilities[decision.className] ?? 0,
    probabilities: stored.result.probabilities,
    model: stored.result.model,
    source: { seriesInstanceUid: chosen.seriesInstanceUid, sopInstanceUid: chosen.sopInstanceUid, frame: chosen.frame },
    sr: stored.sr,
    sc,
    // the lung and lesion SEG, stored in the same request as SR and SC (the handler lists the first, as here)
    ...(stored.segmentations?.[0] ? { seg: stored.segmentations[0] } : {}),
    ...(lesions ? { lesions: { areaFraction: lesions.total.areaFraction, ...lesions.severity } } : {}),
    ...(ctLungs ? { ctLungs: { lungVolumeMl: ctLungs.lungs.volumeMl, involvedFraction: ctLungs.lesions.volumeFraction } } : {}),
    analysedImages: stored.result.analysedImages,
    reportedAt: stored.storedAt,
    inferredAt: event.provenance.finishedAt,
  };
}
