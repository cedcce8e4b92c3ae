import sharp from 'sharp';
import type { ActivationMap, InferenceCompleted, ReportStored, ReportStoredV2, StoredObject, inferenceCompleted } from '@lungflow/contracts';
import { attr, type AnalysisResult, type ReferencedInstance, type WrittenResult } from '@lungflow/dicom';
import { firstString } from '@lungflow/dicomweb';
import type { EventHandler } from '@lungflow/kafka';
import type { Logger } from '@lungflow/logging';
import { mostSuspicious, resultObjects } from '@lungflow/results';
import type { ModelCatalog } from '../ModelCatalog';
import type { ReportPacs } from '../pacs/ReportPacs';
import { renderSource } from '../renderSource';
import { deviceOf } from '../worklist/sourceDevice';
import { THUMBNAIL_SIZE, type WorklistStore } from '../worklist/WorklistStore';
import { lesionsOf } from './lesionsOf';

/**
 * Larger sources are scaled down for the SC: a heatmap over a 7×7 to 64×64 activation map needs no more, and the
 * SC's size drives the RGB blend, dcmjs writing and the STOW (a 2k × 2k RGB SC is 12 MB; 1k, 3 MB).
 */
const SC_MAX_SIDE = 1024;
/**
 * A JPEG 2000 source is decoded at its smallest resolution level with at least this long side (each level halves
 * it), so its SC is 768–1024 px on the longer side instead of always 1024: 4× less decoding per level skipped.
 */
const SC_MIN_SIDE = 768;

export interface InferenceCompletedDeps {
  pacs: ReportPacs;
  catalog: ModelCatalog;
  worklist: Pick<WorklistStore, 'upsert'>;
  publish: (key: { studyInstanceUid: string }, value: ReportStored) => Promise<void>;
  /** report.stored v2 (v1 plus the result) for the result outputs (services/report/src/outputs). */
  publishV2?: (key: { studyInstanceUid: string }, value: ReportStoredV2) => Promise<void>;
  logger: Logger;
  /** DICOMweb root the stored objects' WADO-RS links point to. */
  dicomWebUrl: string;
  lungflowVersion: string;
  now?: () => Date;
  onStored?: (seconds: number) => void;
  /** Seconds spent in each step of one result (report_stage_seconds). */
  onStage?: (stage: 'source' | 'instances' | 'seg' | 'sr' | 'sc' | 'stow' | 'worklist' | 'publish', seconds: number) => void;
}

/** The CAM as floats; a constant 1×1 map (heatmapOverlay leaves the image as is) when the event has none. */
export function camOf(map: ActivationMap | undefined): { data: Float32Array; width: number; height: number } {
  if (!map) return { data: new Float32Array(1), width: 1, height: 1 };
  const [height, width] = map.shape;
  if (Array.isArray(map.data)) return { data: Float32Array.from(map.data), width, height };
  const bytes = Buffer.from(map.data, 'base64');
  const data = new Float32Array(width * height);
  for (let i = 0; i < data.length; i += 1) data[i] = bytes.readFloatLE(i * 4);
  return { data, width, height };
}

function storedObject(written: WrittenResult, sopClassUid: string, dicomWebUrl: string): StoredObject {
  const { studyInstanceUid, seriesInstanceUid, sopInstanceUid } = written;
  const base = dicomWebUrl.replace(/\/+$/, '');
  return { studyInstanceUid, seriesInstanceUid, sopInstanceUid, sopClassUid, wadoRsUrl: `${base}/studies/${studyInstanceUid}/series/${seriesInstanceUid}/instances/${sopInstanceUid}` };
}

/**
 * Every analysed instance with its SOP Class, sorted by UID: the first one names the result and the whole set goes
 * into its UIDs (libs/dicom uids.ts), so a redelivery or a later version of the same images gets the same UIDs and
 * the PACS overwrites instead of duplicating, while a version with a late series gets new ones instead of hiding
 * behind the stale result. The class comes from the event (`results[i].sopClassUid`); only events from producers
 * older than that field make report ask the PACS (QIDO-RS) for it.
 */
export async function analysedInstances(pacs: Pick<ReportPacs, 'searchInstances'>, event: InferenceCompleted, source: ReferencedInstance): Promise<ReferencedInstance[]> {
  // A single-image study (the common radiograph) references only the source, whose class its header gave: no query.
  if (event.results.every((r) => r.sopInstanceUid === source.sopInstanceUid)) return [source];
  const classes = new Map<string, string>();
  for (const r of event.results) if (r.sopClassUid) classes.set(r.sopInstanceUid, r.sopClassUid);
  if (event.results.some((r) => !classes.has(r.sopInstanceUid))) {
    for (const json of await pacs.searchInstances({ includefield: '00080016' }, event.studyInstanceUid)) {
      const sop = firstString(json, '00080018');
      const cls = firstString(json, '00080016');
      if (sop && cls && !classes.has(sop)) classes.set(sop, cls);
    }
  }
  const refs = new Map<string, ReferencedInstance>([[source.sopInstanceUid, source]]);
  for (const r of event.results) {
    const sopClassUid = classes.get(r.sopInstanceUid);
    if (sopClassUid && !refs.has(r.sopInstanceUid)) refs.set(r.sopInstanceUid, { sopClassUid, sopInstanceUid: r.sopInstanceUid, seriesInstanceUid: r.seriesInstanceUid });
  }
  return [...refs.values()].sort((a, b) => (a.seriesInstanceUid + a.sopInstanceUid < b.seriesInstanceUid + b.sopInstanceUid ? -1 : 1));
}

/**
 * `inference.completed` → SR + heatmap SC in the PACS (one STOW-RS request), the worklist entry, `report.stored`.
 * When the drawn image's result has lesion findings (`lesionsOf`), a SEG of its lung and lesion masks goes in the
 * same request (and `report.stored` names it in `segmentations`) and the SR carries the lesion measurements and references the SC and the SEG; a result without
 * lesions gets SR + SC as before. The SEG's UIDs derive like the SR's, so a redelivery overwrites it too.
 *
 * Failure policy (carried out by the consumer): PACS errors stay DicomWebErrors, so outages (5xx, timeouts, refused
 * connections) are retried with backoff and nothing is committed until the objects are stored; after the retry
 * budget, or at once for a refusal (4xx, STOW failures), the event is dead-lettered with the PACS's answer in the
 * reason. Deterministic UIDs make redoing any step harmless.
 */
export function handleInferenceCompleted(deps: InferenceCompletedDeps): EventHandler<typeof inferenceCompleted> {
  const now = deps.now ?? (() => new Date());
  return async ({ value: event }) => {
    // The PACS the study came from: reads, the write-back and the WADO-RS URLs in report.stored.
    const routed = deps.pacs.forPacs?.(event.sourcePacsId);
    const pacs = routed ?? deps.pacs;
    const dicomWebUrl = routed?.dicomWebUrl ?? deps.dicomWebUrl;
    let mark = performance.now();
    const stage = (name: Parameters<NonNullable<InferenceCompletedDeps['onStage']>>[0]) => {
      const at = performance.now();
      deps.onStage?.(name, (at - mark) / 1000);
      mark = at;
    };
    const chosen = mostSuspicious(event.results);
    const card = deps.catalog.get(chosen.model.id, chosen.model.version);
    const ref = { studyInstanceUid: event.studyInstanceUid, seriesInstanceUid: chosen.seriesInstanceUid, sopInstanceUid: chosen.sopInstanceUid, frame: chosen.frame };
    const { dataset, image, lungs } = await renderSource(pacs, ref, card, { minLongSide: SC_MIN_SIDE, ctLungs: true });
    const source: ReferencedInstance = { sopClassUid: attr.string(dataset, 'SOPClassUID') ?? '', sopInstanceUid: chosen.sopInstanceUid, seriesInstanceUid: chosen.seriesInstanceUid };
    stage('source');
    const analysed = await analysedInstances(pacs, event, source);
    stage('instances');

    const result: AnalysisResult = {
      source: dataset,
      // The drawn frame: a multi-frame source's SR and SEG name it (Referenced Frame Number).
      frame: chosen.frame,
      analysedInstances: analysed,
      model: { id: card.id, name: card.id, version: card.version, fileSha256: chosen.model.sha256 },
      classes: card.classes.map((c) => ({ name: c.name, code: c.code, probability: event.aggregate.probabilities[c.name] ?? 0 })),
      decision: event.aggregate.decision,
      softwareVersion: deps.lungflowVersion,
    };
    const lesions = lesionsOf(chosen);
    if (lesions) result.lesions = lesions;
    // CT: the drawn slice's series quantification (lung volume, CAM-based involvement) goes in the SR beside it.
    const ctLungs = event.ctLungs?.find((series) => series.seriesInstanceUid === chosen.seriesInstanceUid);
    if (ctLungs) result.ctLungs = ctLungs;
    // Coloured inside the lungs: a CXR v2 result's own lung grid (resultObjects reads result.lesions), a CT slice's HU lungs.
    const { heatmap, sr, sc, seg } = await resultObjects(result, image, camOf(chosen.activationMap), { maxSide: SC_MAX_SIDE, onStep: stage, ...(lungs ? { lungMask: lungs } : {}) });
    const stow = await pacs.storeInstances([sr.part10, sc.part10, ...(seg ? [seg.part10] : [])], event.studyInstanceUid);
    if (stow.alreadyStored?.length) {
      // A PACS that refuses duplicates: these UIDs derive from this very result, so the copy it holds is this one.
      deps.logger.info({ studyInstanceUid: event.studyInstanceUid, studyVersion: event.studyVersion, alreadyStored: stow.alreadyStored.map((i) => i.sopInstanceUid) }, 'PACS already holds these result instances; counted as stored');
    }
    stage('stow');
    const storedAt = now();
    const srObject = storedObject(sr, attr.string(sr.dataset, 'SOPClassUID') ?? '', dicomWebUrl);
    const scObject = storedObject(sc, attr.string(sc.dataset, 'SOPClassUID') ?? '', dicomWebUrl);
    const segObject = seg && storedObject(seg, attr.string(seg.dataset, 'SOPClassUID') ?? '', dicomWebUrl);

    // Worklist data, so their time counts in its stage: the drawn source and its heatmap, small.
    const thumbnail = (data: Uint8Array, channels: 1 | 3) =>
      sharp(data, { raw: { width: heatmap.width, height: heatmap.height, channels } })
        .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
        .toColourspace(channels === 1 ? 'b-w' : 'srgb') // sharp writes grey input as RGB otherwise
        .png()
        .toBuffer();
    const thumbnails = { image: await thumbnail(heatmap.base, 1), heatmap: await thumbnail(heatmap.overlay.data, 3) };
    const decision = event.aggregate.decision;
    const sourceDevice = deviceOf(dataset);
    await deps.worklist.upsert(
      {
        studyInstanceUid: event.studyInstanceUid,
        studyVersion: event.studyVersion,
        modality: attr.string(dataset, 'Modality') ?? 'OT',
        decision,
        probability: event.aggregate.probabilities[decision.className] ?? 0,
        probabilities: event.aggregate.probabilities,
        model: chosen.model,
        source: { seriesInstanceUid: chosen.seriesInstanceUid, sopInstanceUid: chosen.sopInstanceUid, frame: chosen.frame },
        sr: srObject,
        sc: scObject,
        ...(segObject ? { seg: segObject } : {}),
        ...(lesions ? { lesions: { areaFraction: lesions.total.areaFraction, ...lesions.severity } } : {}),
        ...(ctLungs ? { ctLungs: { lungVolumeMl: ctLungs.lungs.volumeMl, involvedFraction: ctLungs.lesions.volumeFraction } } : {}),
        analysedImages: event.aggregate.analysedImages,
        ...(sourceDevice ? { sourceDevice } : {}),
        reportedAt: storedAt.toISOString(),
        inferredAt: event.provenance.finishedAt,
      },
      storedAt,
      thumbnails,
    );
    stage('worklist');
    const stored: ReportStored = {
      schemaVersion: 1,
      studyInstanceUid: event.studyInstanceUid,
      studyVersion: event.studyVersion,
      traceId: event.traceId,
      sourcePacsId: event.sourcePacsId,
      priority: decision.positive ? 'urgent' : 'routine',
      sr: srObject,
      secondaryCaptures: [scObject],
      ...(segObject ? { segmentations: [segObject] } : {}),
      storedAt: storedAt.toISOString(),
    };
    await deps.publish({ studyInstanceUid: event.studyInstanceUid }, stored);
    await deps.publishV2?.(
      { studyInstanceUid: event.studyInstanceUid },
      {
        ...stored,
        schemaVersion: 2,
        result: {
          modality: attr.string(dataset, 'Modality') ?? 'OT',
          model: chosen.model,
          decision,
          probabilities: event.aggregate.probabilities,
          analysedImages: event.aggregate.analysedImages,
        },
      },
    );
    stage('publish');
    deps.onStored?.((storedAt.getTime() - Date.parse(event.provenance.finishedAt)) / 1000);
    deps.logger.info(
      { studyInstanceUid: event.studyInstanceUid, studyVersion: event.studyVersion, decision: decision.className, positive: decision.positive, sr: srObject.sopInstanceUid, sc: scObject.sopInstanceUid, seg: segObject?.sopInstanceUid, traceId: event.traceId },
      'report stored',
    );
  };
}
