import { packMask, type ActivationMap, type CtSeriesLungsMessage, type InferenceCompleted, type InstanceResult, type LesionFindingsMessage, type StudyReceived, type studyReceived } from '@lungflow/contracts';
import { LungFlowError } from '@lungflow/errors';
import type { EventHandler } from '@lungflow/kafka';
import type { Logger } from '@lungflow/logging';
import { aggregateClassifications, aggregateSeries, analyzeInstance, ctLungFindings, type Aggregate, type Classification, type Decision, type ModelSet } from '@lungflow/inference';
import type { CtSliceLungFindings } from '@lungflow/dicom';
import type { PacsReader } from '../pacs/PacsReader';

/** Remembers which study versions were already published, so a redelivered event publishes no duplicate. */
export interface DoneStore {
  isDone(key: string): Promise<boolean>;
  markDone(key: string, ttlMs: number): Promise<void>;
}

export interface StudyReceivedDeps {
  models: ModelSet;
  pacs: PacsReader;
  publish: (key: { studyInstanceUid: string }, value: InferenceCompleted) => Promise<void>;
  logger: Logger;
  lungflowVersion: string;
  done?: { store: DoneStore; prefix: string; ttlMs: number };
  onImages?: (task: 'cxr' | 'ct', count: number) => void;
  /** Seconds per instance: WADO-RS fetch, then decode + pre-processing + model + CAM (infer_stage_seconds). */
  onStage?: (stage: 'fetch' | 'analyse', seconds: number) => void;
  now?: () => Date;
}

const INSTANCES_IN_FLIGHT = 8;
/**
 * Series of this many instances or more get their metadata in one WADO-RS request (a CT: one instead of one per
 * slice); above the ceiling the answer would be one large JSON held at once, so those fall back to per instance.
 */
const SERIES_METADATA_MIN_INSTANCES = 2;
const SERIES_METADATA_MAX_INSTANCES = 2000;

/** Maps with at most `limit` calls pending; results keep the input order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      out[index] = await fn(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** The CAM of the operating-point class, as float32 little-endian base64 (compact, exact, at most 64×64). */
function activationMapOf(classification: Classification): ActivationMap | undefined {
  const { width, height, maps } = classification.cam;
  const className = classification.decision.className;
  const map = maps[className];
  if (!map || width > 64 || height > 64) return undefined;
  const bytes = Buffer.alloc(map.length * 4);
  map.forEach((v, i) => bytes.writeFloatLE(v, i * 4));
  return { shape: [height, width], encoding: 'float32-base64', data: bytes.toString('base64'), className };
}

/**
 * The decision as `inference.completed` carries it: status and reason (optional fields of the contract) but not the
 * card's band, which belongs to the model, not to the study.
 */
function eventDecision(decision: Decision): InstanceResult['decision'] {
  return {
    className: decision.className,
    threshold: decision.threshold,
    positive: decision.positive,
    status: decision.status,
    ...(decision.reason ? { reason: decision.reason } : {}),
  };
}

/** The Redis key that marks one study version (and content) analysed: redeliveries of it are skipped. */
export function doneKeyOf(prefix: string, event: Pick<StudyReceived, 'studyInstanceUid' | 'studyVersion' | 'contentHash'>): string {
  return `${prefix}done:${event.studyInstanceUid}:${event.studyVersion}:${event.contentHash}`;
}

/**
 * `study.received` → `inference.completed`. Each in-scope series goes to the model its kind names (ingest decided
 * cxr or ct); each instance's frames are fetched uncompressed over WADO-RS and go through the same pipeline as
 * `lungflow analyze` (analyzeInstance). Series results are aggregated by the card's rule (CXR: max; CT: mean of the
 * top-3 slices) and the study takes its most suspicious series.
 *
 * Failure policy (carried out by the consumer): a DicomError or any other non-retriable error dead-letters the
 * study; a retriable DicomWebError (PACS down, 5xx, timeout) propagates so the consumer backs off without committing.
 * Nothing is published until the whole study is done, and the same inputs give the same numbers (to float32 rounding
 * when they land in other batches), so redoing a study after a crash publishes the same result.
 */
export function handleStudyReceived(deps: StudyReceivedDeps): EventHandler<typeof studyReceived> {
  const now = deps.now ?? (() => new Date());
  return async ({ value: event }) => {
    const doneKey = deps.done ? doneKeyOf(deps.done.prefix, event) : undefined;
    if (doneKey && (await deps.done?.store.isDone(doneKey))) {
      deps.logger.info({ studyInstanceUid: event.studyInstanceUid, studyVersion: event.studyVersion }, 'study version already analysed; skipping redelivery');
      return;
    }
    const startedAt = now();
    const { results, aggregates, ctLungs } = await analyzeStudy(event, deps);
    const aggregate = aggregateSeries(aggregates);
    const value: InferenceCompleted = {
      schemaVersion: 1,
      studyInstanceUid: event.studyInstanceUid,
      studyVersion: event.studyVersion,
      traceId: event.traceId,
      sourcePacsId: event.sourcePacsId,
      results,
      ...(ctLungs.length ? { ctLungs } : {}),
      aggregate: { method: aggregate.method, probabilities: aggregate.probabilities, decision: eventDecision(aggregate.decision), analysedImages: aggregate.analysedImages },
      provenance: { lungflowVersion: deps.lungflowVersion, startedAt: startedAt.toISOString(), finishedAt: now().toISOString() },
    };
    await deps.publish({ studyInstanceUid: event.studyInstanceUid }, value);
    if (doneKey && deps.done) await deps.done.store.markDone(doneKey, deps.done.ttlMs);
    deps.logger.info(
      { studyInstanceUid: event.studyInstanceUid, studyVersion: event.studyVersion, traceId: event.traceId, images: aggregate.analysedImages, status: aggregate.decision.status, ...(aggregate.decision.reason ? { reason: aggregate.decision.reason } : {}), method: aggregate.method },
      'inference completed',
    );
  };
}

/** The findings as the event carries them: the same fields, masks packed to bits. */
function lesionsMessage(findings: NonNullable<Classification['lesions']>): LesionFindingsMessage {
  return { ...findings, lungMask: packMask(findings.lungMask), lesionMask: packMask(findings.lesionMask) };
}

async function analyzeStudy(event: StudyReceived, deps: StudyReceivedDeps): Promise<{ results: InstanceResult[]; aggregates: Aggregate[]; ctLungs: CtSeriesLungsMessage[] }> {
  const results: InstanceResult[] = [];
  const aggregates: Aggregate[] = [];
  const ctLungs: CtSeriesLungsMessage[] = [];
  const pacs = deps.pacs.forPacs?.(event.sourcePacsId) ?? deps.pacs;
  for (const series of event.series) {
    const runner = await deps.models.get(series.kind);
    const count = series.instances.length;
    const seriesStarted = performance.now();
    // An instance the answer lacks (stored since, or a PACS that leaves some out) is asked for on its own below.
    const metadata =
      pacs.readSeriesMetadata && count >= SERIES_METADATA_MIN_INSTANCES && count <= SERIES_METADATA_MAX_INSTANCES
        ? await pacs.readSeriesMetadata(event.studyInstanceUid, series.seriesInstanceUid)
        : undefined;
    // The series request's time, shared out over its instances' fetch stage.
    const metadataShare = metadata ? (performance.now() - seriesStarted) / count : 0;
    // A few instances of a series are fetched and classified at once, so their frames share model batches while
    // memory and PACS connections stay bounded on a 500-slice CT.
    const perInstance = await mapLimit(series.instances, INSTANCES_IN_FLIGHT, async (instance) => {
      const fetchStarted = performance.now() - metadataShare;
      const known = metadata?.get(instance.sopInstanceUid);
      const dicom = await pacs.readInstance(event.studyInstanceUid, series.seriesInstanceUid, instance.sopInstanceUid, instance.numberOfFrames, ...(known ? [known] : []));
      const analyseStarted = performance.now();
      deps.onStage?.('fetch', (analyseStarted - fetchStarted) / 1000);
      const frames = await analyzeInstance(dicom, runner, { ctLungs: series.kind === 'ct' });
      deps.onStage?.('analyse', (performance.now() - analyseStarted) / 1000);
      return { instance, frames };
    });
    const classifications: Classification[] = [];
    const slices: CtSliceLungFindings[] = [];
    for (const { instance, frames } of perInstance) {
      // What report needs to reference the instance without asking the PACS again (its SR's Image Library): the
      // class as study.received named it, and the frames as analysed (the instance's own count, never the event's).
      const reference = { sopClassUid: instance.sopClassUid, ...(frames.length > 1 ? { numberOfFrames: frames.length } : {}) };
      for (const { frame, classification, ctLungs: slice } of frames) {
        classifications.push(classification);
        if (slice) slices.push(slice);
        const activationMap = activationMapOf(classification);
        results.push({
          seriesInstanceUid: series.seriesInstanceUid,
          sopInstanceUid: instance.sopInstanceUid,
          frame,
          model: runner.identity,
          probabilities: classification.probabilities,
          decision: eventDecision(classification.decision),
          ...(activationMap ? { activationMap } : {}),
          ...(classification.lungs ? { lungs: { areaFraction: classification.lungs.areaFraction } } : {}),
          ...(classification.lesions ? { lesions: lesionsMessage(classification.lesions) } : {}),
          ...reference,
        });
      }
    }
    if (classifications.length === 0) {
      throw new LungFlowError('NOTHING_TO_ANALYSE', `series ${series.seriesInstanceUid} of study ${event.studyInstanceUid} gave no image`, { details: { studyInstanceUid: event.studyInstanceUid } });
    }
    deps.onImages?.(series.kind, classifications.length);
    aggregates.push(aggregateClassifications(classifications, runner.aggregation));
    if (slices.length) {
      const { lungs, lesions } = ctLungFindings(slices, { className: runner.lesionMap.className, relativeThreshold: runner.lesionMap.threshold });
      ctLungs.push({
        seriesInstanceUid: series.seriesInstanceUid,
        lungs: { method: lungs.method, volumeMl: lungs.volumeMl, sliceSpacingMm: lungs.sliceSpacingMm, slices: lungs.slices, slicesWithLungs: lungs.slicesWithLungs },
        lesions: { className: lesions.className, relativeThreshold: lesions.relativeThreshold, supervision: lesions.supervision, volumeFraction: lesions.volumeFraction, volumeMl: lesions.volumeMl },
      });
    }
  }
  return { results, aggregates, ctLungs };
}
