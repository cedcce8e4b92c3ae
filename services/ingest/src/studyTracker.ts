import { randomUUID } from 'node:crypto';
import { dicomUid, type StudyReceived } from '@lungflow/contracts';
import type { DicomJson } from '@lungflow/dicomweb';
import { errorCodeOf, isRetriable, retryDelay } from '@lungflow/errors';
import type { Logger } from '@lungflow/logging';
import { contentHash } from './contentHash';
import { inParallel } from './inParallel';
import { decideSeries } from './filter';
import type { DicomAttributes, ScopeClassifier } from './filter';
import type { PacsReader, SeriesListing } from './pacs/StudyInventory';
import { listStudyInstances } from './pacs/StudyInventory';
import type { IngestMetrics } from './metrics';
import { buildStudyReceived } from './publisher';
import type { InScopeSeries, IngestSource } from './publisher';
import type { TrackerStore } from './TrackerStore';

export interface StudyTrackerSettings {
  quietPeriodMs: number;
  ctMinSlices: number;
  pacsId: string;
  dicomWebUrl: string;
  /** How long one replica may work on one study before another may take over (crash safety). */
  lockTtlMs?: number;
  /** Longest wait before a failed look is retried. */
  maxRetryDelayMs?: number;
  /**
   * When set, the first look at a touched study comes after this short settle time instead of the quiet period, and
   * a study that is then one CR/DX instance (declaring no more images) is published without a second look (see
   * README, "single-image radiographs"). Unset: every study waits two identical looks one quiet period apart.
   */
  radiographSettleMs?: number;
  /** Looks run at once in one settle pass (each under its own per-study lock). */
  looksInParallel?: number;
}

export interface StudyTrackerDeps {
  store: TrackerStore;
  pacs: PacsReader;
  classify: ScopeClassifier;
  toAttributes: (json: DicomJson) => DicomAttributes;
  /** Resolves once the event is durably written (EventProducer.send). */
  publish: (event: StudyReceived) => Promise<void>;
  metrics: IngestMetrics;
  log: Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
  now?: () => number;
}

export type LookOutcome = 'locked' | 'gone' | 'changing' | 'unchanged' | 'filtered' | 'published' | 'retry' | 'dropped';

/**
 * Completeness and versioning. Every poll or push "touches" a study, which (re)starts its quiet period. When the
 * period ends, ingest looks at the study's instances (one QIDO query): if the set differs from the last look, the
 * study is still changing and gets another quiet period; if it is the same, the study is complete, its series are
 * filtered, and the in-scope instances are published as `study.received` version N+1 unless that exact set (by
 * contentHash) was published before. So a late series yields one new version, and our own SR landing in the study
 * yields none (it is filtered, so the in-scope set does not change).
 *
 * Crash and replica safety: the pending looks live in Redis (restart-proof), a study is looked at under a per-study
 * lock, the look is removed only after the event is durably written, and a published (study, contentHash) is
 * recorded with SET PX, so neither a second replica nor a restart publishes the same version twice.
 */
export class StudyTracker {
  private readonly now: () => number;
  private failures = new Map<string, number>();

  constructor(private readonly deps: StudyTrackerDeps, private readonly settings: StudyTrackerSettings) {
    this.now = deps.now ?? Date.now;
  }

  /** A study has news (a change event, a QIDO count change, a STOW): look again after the quiet period. */
  async touch(studyUid: string, source: IngestSource): Promise<void> {
    const wait = Math.min(this.settings.quietPeriodMs, this.settings.radiographSettleMs ?? Infinity);
    const firstTime = await this.deps.store.touch(studyUid, source, this.now() + wait);
    if (firstTime) {
      this.deps.metrics.seen.inc();
      this.deps.log.info({ studyInstanceUid: studyUid, source }, 'study seen');
    }
  }

  /** Looks at every study whose quiet period has ended; returns what happened to each. */
  async processDue(limit = 20): Promise<LookOutcome[]> {
    const items = await this.deps.store.due(this.now(), limit);
    // Looks wait mostly on the PACS, Redis and Kafka's ack; a burst of studies needs several in flight.
    const outcomes = await inParallel(items, this.settings.looksInParallel ?? 1, (item) => this.look(item));
    const pending = await this.deps.store.pending();
    this.deps.metrics.pending.set(pending.count);
    return outcomes;
  }

  private async look(item: { member: string; dueAt: number }): Promise<LookOutcome> {
    const studyUid = item.member;
    const { store } = this.deps;
    const token = await store.lock(studyUid, this.settings.lockTtlMs ?? 120_000);
    if (token === null) return 'locked';
    try {
      const outcome = await this.lookLocked(studyUid, item);
      this.failures.delete(studyUid);
      return outcome;
    } catch (error) {
      return await this.failed(studyUid, item, error);
    } finally {
      await store.unlock(studyUid, token).catch(() => undefined);
    }
  }

  private async lookLocked(studyUid: string, item: { member: string; dueAt: number }): Promise<LookOutcome> {
    const { store } = this.deps;
    if (!isUid(studyUid)) {
      // No event can carry it (the contract checks UIDs) and no DICOMweb path may: retrying would only fail again.
      this.deps.metrics.studiesFiltered.inc();
      this.deps.log.info({ studyInstanceUid: studyUid.slice(0, 128), reason: INVALID_UID }, 'study filtered');
      await store.finish(item);
      return 'filtered';
    }
    const listing = await listStudyInstances(this.deps.pacs, studyUid);
    const all = listing.flatMap((series) => series.instances.map((instance) => instance.sopInstanceUid));
    if (all.length === 0) {
      this.deps.log.info({ studyInstanceUid: studyUid }, 'study no longer in the PACS; forgetting it');
      await store.finish(item);
      return 'gone';
    }
    const observedHash = contentHash(all);
    const state = await store.getState(studyUid);
    const firstSight = observedHash !== state.observedHash;
    const changing = async (): Promise<LookOutcome> => {
      await store.setState(studyUid, { observedHash });
      await store.reschedule(studyUid, this.now() + this.settings.quietPeriodMs);
      return 'changing';
    };
    const radiograph = this.settings.radiographSettleMs !== undefined && isSingleRadiograph(listing);
    if (firstSight && !radiograph) return changing();
    if (observedHash === state.settledHash) {
      await store.finish(item);
      return 'unchanged';
    }

    const inScope = await this.filter(studyUid, listing);
    // A radiograph whose header announces more images of its acquisition waits like any other study.
    if (firstSight && inScope.some((s) => Number(s.decision.attrs.ImagesInAcquisition) > 1)) return changing();
    if (inScope.length === 0) {
      this.deps.metrics.studiesFiltered.inc();
      this.deps.log.info({ studyInstanceUid: studyUid }, 'study has no in-scope series; no event');
      await store.setState(studyUid, { settledHash: observedHash });
      await store.finish(item);
      return 'filtered';
    }
    const hash = contentHash(inScope.flatMap((s) => s.decision.instances.map((i) => i.sopInstanceUid)));
    if (hash === state.publishedHash || (await store.isPublished(studyUid, hash))) {
      await store.setState(studyUid, { settledHash: observedHash });
      await store.finish(item);
      return 'unchanged';
    }
    const studyVersion = (state.version ?? 0) + 1;
    const event = buildStudyReceived({
      studyInstanceUid: studyUid,
      studyVersion,
      contentHash: hash,
      series: inScope,
      dicomWebUrl: this.settings.dicomWebUrl,
      sourcePacsId: this.settings.pacsId,
      source: state.source ?? 'orthanc-changes',
      traceId: randomUUID(),
      receivedAt: new Date(this.now()),
    });
    await this.deps.publish(event);
    // Only now, with the event durably in Kafka, is the look acknowledged.
    await store.markPublished(studyUid, hash);
    await store.setState(studyUid, { publishedHash: hash, version: studyVersion, settledHash: observedHash, observedHash });
    await store.finish(item);
    this.deps.metrics.published.inc();
    this.deps.log.info({ studyInstanceUid: studyUid, studyVersion, traceId: event.traceId, instanceCount: event.instanceCount, series: event.series.length }, 'study published');
    return 'published';
  }

  private async filter(studyUid: string, listing: SeriesListing[]): Promise<InScopeSeries[]> {
    const inScope: InScopeSeries[] = [];
    for (const whole of listing) {
      // Instances whose UIDs no event or DICOMweb path can carry are left out here, with a reason, rather than
      // failing the whole study at publish time five times over (issue 16, hostile input).
      const series = { ...whole, instances: whole.instances.filter((i) => isUid(i.sopInstanceUid) && (i.sopClassUid === '' || isUid(i.sopClassUid))) };
      const first = series.instances[0];
      if (!isUid(series.seriesInstanceUid) || first === undefined) {
        this.filtered(studyUid, whole.seriesInstanceUid, INVALID_UID);
        continue;
      }
      if (series.instances.length < whole.instances.length) {
        this.deps.log.info({ studyInstanceUid: studyUid, seriesInstanceUid: series.seriesInstanceUid, leftOut: whole.instances.length - series.instances.length, reason: INVALID_UID }, 'instances left out');
      }
      const [metadata] = await this.deps.pacs.retrieveInstanceMetadata(studyUid, series.seriesInstanceUid, first.sopInstanceUid);
      const attrs = metadata === undefined ? {} : this.deps.toAttributes(metadata);
      if (first.sopClassUid === '' && !isUid(attrs.SOPClassUID)) {
        this.filtered(studyUid, series.seriesInstanceUid, INVALID_UID);
        continue;
      }
      const decision = decideSeries(series, attrs, this.deps.classify, this.settings.ctMinSlices);
      // The header's SOP class matches none of the listed instances' (a hostile or broken header): nothing to send.
      if (decision.inScope && decision.instances.length === 0) this.filtered(studyUid, series.seriesInstanceUid, SOP_CLASS_MISMATCH);
      else if (decision.inScope) inScope.push({ listing: series, decision });
      else this.filtered(studyUid, series.seriesInstanceUid, decision.reason);
    }
    return inScope;
  }

  private filtered(studyUid: string, seriesUid: string, reason: string): void {
    this.deps.metrics.seriesFiltered.labels(reason).inc();
    this.deps.log.info({ studyInstanceUid: studyUid, seriesInstanceUid: seriesUid.slice(0, 128), reason }, 'series filtered');
  }

  /**
   * Retriable failures (PACS, Kafka, Redis down) come back later with backoff, for as long as it takes: nothing is
   * acknowledged meanwhile. Other failures (a malformed object, a bug) are retried a few times, then dropped with
   * an error log and a metric rather than blocking the queue forever.
   */
  private async failed(studyUid: string, item: { member: string; dueAt: number }, error: unknown): Promise<LookOutcome> {
    const code = errorCodeOf(error);
    this.deps.metrics.errors.labels('settle', code).inc();
    const count = (this.failures.get(studyUid) ?? 0) + 1;
    this.failures.set(studyUid, count);
    const retriable = isRetriable(error);
    const delay = retryDelay(error, count, { initialMs: 1_000, maxMs: this.settings.maxRetryDelayMs ?? 60_000 });
    this.deps.log.warn({ studyInstanceUid: studyUid, code, err: error, attempt: count, retryInMs: delay }, 'study look failed; will retry');
    if (!retriable && count >= 5) {
      // The same object failing the same non-retriable way five times: stop hammering the PACS, keep a log line.
      this.deps.log.error({ studyInstanceUid: studyUid, code }, 'study dropped after repeated non-retriable failures');
      this.failures.delete(studyUid);
      await this.deps.store.finish(item).catch(() => undefined);
      return 'dropped';
    }
    await this.deps.store.reschedule(studyUid, this.now() + delay).catch(() => undefined);
    return 'retry';
  }
}

/** Filter reason for a study, series or instance whose UID is not a DICOM UID (PS3.5 §9.1). */
export const INVALID_UID = 'invalid-uid';
/** Filter reason for a series whose first instance's header names another SOP class than every listed instance. */
export const SOP_CLASS_MISMATCH = 'sop-class-mismatch';

function isUid(value: unknown): boolean {
  return typeof value === 'string' && dicomUid.safeParse(value).success;
}

/**
 * One CR/DX series holding one single-frame instance: the usual chest radiograph study, complete as soon as it is
 * there. A later image (lateral view, retake, the rest of a split study) is a new series or a StableSeries change,
 * which touches the study again and gives a new version with the whole set, so publishing early loses nothing.
 */
export function isSingleRadiograph(listing: readonly SeriesListing[]): boolean {
  if (listing.length !== 1) return false;
  const [series] = listing;
  return (series.modality === 'CR' || series.modality === 'DX') && series.instances.length === 1 && series.instances[0].numberOfFrames <= 1;
}
