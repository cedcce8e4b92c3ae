import sharp from 'sharp';
import type { ActivationMap, InferenceCompleted, InstanceResult, ReportStored, StoredObject, inferenceCompleted } from '@lungflow/contracts';
import { attr, secondaryCapture, secondaryCaptureLegend, structuredReport, type AnalysisResult, type ReferencedInstance, type WrittenResult } from '@lungflow/dicom';
import { firstString } from '@lungflow/dicomweb';
import { heatmapOverlay, legend } from '@lungflow/imaging';
import type { EventHandler } from '@lungflow/kafka';
import type { Logger } from '@lungflow/logging';
import type { ModelCatalog } from '../ModelCatalog';
import type { ReportPacs } from '../pacs/ReportPacs';
import { renderSource } from '../renderSource';
import { THUMBNAIL_SIZE, type WorklistStore } from '../worklist/WorklistStore';

/** Larger sources are scaled down for the SC: a heatmap needs no more, and the PACS and viewers stay fast. */
const SC_MAX_SIDE = 2048;

export interface InferenceCompletedDeps {
  pacs: ReportPacs;
  catalog: ModelCatalog;
  worklist: Pick<WorklistStore, 'upsert'>;
  publish: (key: { studyInstanceUid: string }, value: ReportStored) => Promise<void>;
  logger: Logger;
  /** DICOMweb root the stored objects' WADO-RS links point to. */
  dicomWebUrl: string;
  lungflowVersion: string;
  now?: () => Date;
  onStored?: (seconds: number) => void;
}

/** The image whose result is drawn: the largest margin of its decision's probability over the threshold (as the CLI). */
export function mostSuspicious(results: readonly InstanceResult[]): InstanceResult {
  let best = results[0] as InstanceResult;
  const margin = (r: InstanceResult) => (r.probabilities[r.decision.className] ?? 0) - r.decision.threshold;
  for (const result of results) if (margin(result) > margin(best)) best = result;
  return best;
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
 * Every analysed instance with its SOP Class (QIDO-RS; the event does not carry it), sorted by UID: the first one
 * names the result and the whole set goes into its UIDs (libs/dicom uids.ts), so a redelivery or a later version
 * of the same images gets the same UIDs and the PACS overwrites instead of duplicating, while a version with a late
 * series gets new ones instead of hiding behind the stale result.
 */
async function analysedInstances(pacs: ReportPacs, event: InferenceCompleted, source: ReferencedInstance): Promise<ReferencedInstance[]> {
  const classes = new Map<string, string>();
  for (const json of await pacs.searchInstances({ includefield: '00080016' }, event.studyInstanceUid)) {
    const sop = firstString(json, '00080018');
    const cls = firstString(json, '00080016');
    if (sop && cls) classes.set(sop, cls);
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
 *
 * Failure policy (carried out by the consumer): PACS errors stay DicomWebErrors, so outages (5xx, timeouts, refused
 * connections) are retried with backoff and nothing is committed until the objects are stored; after the retry
 * budget, or at once for a refusal (4xx, STOW failures), the event is dead-lettered with the PACS's answer in the
 * reason. Deterministic UIDs make redoing any step harmless.
 */
export function handleInferenceCompleted(deps: InferenceCompletedDeps): EventHandler<typeof inferenceCompleted> {
  const now = deps.now ?? (() => new Date());
  return async ({ value: event }) => {
    const chosen = mostSuspicious(event.results);
    const card = deps.catalog.get(chosen.model.id, chosen.model.version);
    const ref = { studyInstanceUid: event.studyInstanceUid, seriesInstanceUid: chosen.seriesInstanceUid, sopInstanceUid: chosen.sopInstanceUid, frame: chosen.frame };
    const { dataset, image } = await renderSource(deps.pacs, ref, card);
    const source: ReferencedInstance = { sopClassUid: attr.string(dataset, 'SOPClassUID') ?? '', sopInstanceUid: chosen.sopInstanceUid, seriesInstanceUid: chosen.seriesInstanceUid };

    const result: AnalysisResult = {
      source: dataset,
      analysedInstances: await analysedInstances(deps.pacs, event, source),
      model: { id: card.id, name: card.id, version: card.version, fileSha256: chosen.model.sha256 },
      classes: card.classes.map((c) => ({ name: c.name, code: c.code, probability: event.aggregate.probabilities[c.name] ?? 0 })),
      decision: event.aggregate.decision,
      softwareVersion: deps.lungflowVersion,
    };
    const sr = structuredReport(result);

    const scale = Math.min(1, SC_MAX_SIDE / Math.max(image.width, image.height));
    const width = Math.max(1, Math.round(image.width * scale));
    const height = Math.max(1, Math.round(image.height * scale));
    const base =
      scale === 1
        ? image.data
        : new Uint8Array(await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 1 } }).resize(width, height, { fit: 'fill' }).extractChannel(0).raw().toBuffer());
    const overlay = await heatmapOverlay({ data: base, width, height, channels: 1 }, camOf(chosen.activationMap));
    const thumbnail = (data: Uint8Array, channels: 1 | 3) =>
      sharp(data, { raw: { width, height, channels } })
        .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
        .toColourspace(channels === 1 ? 'b-w' : 'srgb') // sharp writes grey input as RGB otherwise
        .png()
        .toBuffer();
    const thumbnails = { image: await thumbnail(base, 1), heatmap: await thumbnail(overlay.data, 3) };
    const labelled = await legend(overlay, secondaryCaptureLegend(result));
    const sc = secondaryCapture(result, { data: labelled.data, width, height, channels: 3 });

    await deps.pacs.storeInstances([sr.part10, sc.part10], event.studyInstanceUid);
    const storedAt = now();
    const srObject = storedObject(sr, attr.string(sr.dataset, 'SOPClassUID') ?? '', deps.dicomWebUrl);
    const scObject = storedObject(sc, attr.string(sc.dataset, 'SOPClassUID') ?? '', deps.dicomWebUrl);

    const decision = event.aggregate.decision;
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
        analysedImages: event.aggregate.analysedImages,
        reportedAt: storedAt.toISOString(),
        inferredAt: event.provenance.finishedAt,
      },
      storedAt,
      thumbnails,
    );
    await deps.publish(
      { studyInstanceUid: event.studyInstanceUid },
      {
        schemaVersion: 1,
        studyInstanceUid: event.studyInstanceUid,
        studyVersion: event.studyVersion,
        traceId: event.traceId,
        sourcePacsId: event.sourcePacsId,
        priority: decision.positive ? 'urgent' : 'routine',
        sr: srObject,
        secondaryCaptures: [scObject],
        storedAt: storedAt.toISOString(),
      },
    );
    deps.onStored?.((storedAt.getTime() - Date.parse(event.provenance.finishedAt)) / 1000);
    deps.logger.info(
      { studyInstanceUid: event.studyInstanceUid, studyVersion: event.studyVersion, decision: decision.className, positive: decision.positive, sr: srObject.sopInstanceUid, sc: scObject.sopInstanceUid, traceId: event.traceId },
      'report stored',
    );
  };
}
