import { readFileSync } from 'node:fs';
import path from 'node:path';
import { deadLetter, encodeMessage, inferenceCompleted, packMask, reportStored, type DeadLetter, type InferenceCompleted, type ReportStored } from '@lungflow/contracts';
import { readPart10, renderFrame } from '@lungflow/dicom';
import { ctLungsAtSource, ctSliceGeometry, ctSliceLungs, ctWindowOf, lungMaskAt, resultCardSchema } from '@lungflow/results';
import { DicomWebError } from '@lungflow/dicomweb';
import { processMessage } from '@lungflow/kafka';
import { createLogger } from '@lungflow/logging';
import { ModelCatalog } from '../ModelCatalog';
import type { ReportPacs } from '../pacs/ReportPacs';
import type { WorklistEntry } from '../worklist/WorklistEntry';
import type { Thumbnails } from '../worklist/WorklistStore';
import sharp from 'sharp';
import { lesionFindings } from '../../../../libs/dicom/src/write/__tests__/fixtures';
import { dciodvfy } from '../../../../libs/dicom/src/write/__tests__/validators';
import { NY_SBU_SLICES, samplePath } from '../../../../libs/dicom/src/read/__tests__/sampleFiles';
import { analysedInstances, camOf, handleInferenceCompleted } from './inferenceCompleted';
import { lesionsOf } from './lesionsOf';

const REPO = path.resolve(__dirname, '../../../..');
const SAMPLE = new Uint8Array(readFileSync(path.join(REPO, 'samples/LF-DEMO-0001.dcm')));
const source = readPart10(SAMPLE).dataset as Record<string, string>;
const SHA = 'a'.repeat(64);

function event(overrides: Partial<InferenceCompleted['aggregate']> = {}): InferenceCompleted {
  const cam = new Float32Array(16).map((_, i) => i / 15);
  const probabilities = { covid19: 0.7, other_pneumonia: 0.2, no_finding: 0.1 };
  const decision = { className: 'covid19', threshold: 0.5, positive: true };
  return {
    schemaVersion: 1,
    studyInstanceUid: source.StudyInstanceUID,
    studyVersion: 1,
    traceId: '0123456789abcdef',
    sourcePacsId: 'orthanc-local',
    results: [
      {
        seriesInstanceUid: source.SeriesInstanceUID,
        sopInstanceUid: source.SOPInstanceUID,
        frame: 1,
        model: { id: 'cxr-v1', version: '1.0.0', sha256: SHA },
        probabilities,
        decision,
        activationMap: { shape: [4, 4], encoding: 'float32-base64', data: Buffer.from(cam.buffer).toString('base64'), className: 'covid19' },
      },
    ],
    aggregate: { method: 'max', probabilities, decision, analysedImages: 1, ...overrides },
    provenance: { lungflowVersion: '0.1.0', startedAt: '2026-11-26T15:00:00Z', finishedAt: '2026-11-26T15:00:01Z' },
  };
}

const catalog = ModelCatalog.fromCards([
  {
    id: 'cxr-v1',
    version: '1.0.0',
    task: 'cxr',
    classes: [
      { name: 'covid19', code: { value: '882784691000119100', scheme: 'SCT', meaning: 'Pneumonia caused by SARS-CoV-2' } },
      { name: 'other_pneumonia', code: { value: '233604007', scheme: 'SCT', meaning: 'Pneumonia' } },
      { name: 'no_finding', code: { value: '17621005', scheme: 'SCT', meaning: 'Normal' } },
    ],
  },
]);

function harness(store: ReportPacs['storeInstances'] = async (parts) => ({ stored: parts.map(() => ({})), failed: [] }) as never, instance: Uint8Array = SAMPLE, cards: ModelCatalog = catalog) {
  const stored: Uint8Array[][] = [];
  const listed: Omit<WorklistEntry, 'listedAt'>[] = [];
  const published: ReportStored[] = [];
  const thumbnails: Thumbnails[] = [];
  const pacs: ReportPacs = {
    retrieveInstance: async () => instance,
    searchInstances: async () => [{ '00080018': { vr: 'UI', Value: [source.SOPInstanceUID] }, '00080016': { vr: 'UI', Value: [source.SOPClassUID] } }],
    storeInstances: async (parts, study) => {
      stored.push([...parts]);
      return store(parts, study);
    },
    retrieveRendered: async () => new Uint8Array(),
  };
  const handler = handleInferenceCompleted({
    pacs,
    catalog: cards,
    worklist: { upsert: async (entry, now, pictures) => (listed.push(entry), pictures && thumbnails.push(pictures), { ...entry, listedAt: now.toISOString() }) },
    publish: async (_key, value) => void published.push(value),
    logger: createLogger({ service: 'report-test', level: 'silent' }),
    dicomWebUrl: 'http://pacs.example/dicom-web',
    lungflowVersion: '0.1.0',
  });
  return { handler, stored, listed, published, thumbnails };
}

const context = { topic: 't', partition: 0, offset: '0', headers: {}, attempt: 1 };

describe('inference.completed handler', () => {
  it('stores one SR and one heatmap SC under the source study, lists the study and publishes report.stored', async () => {
    const { handler, stored, listed, published, thumbnails } = harness();
    await handler({ key: { studyInstanceUid: source.StudyInstanceUID }, value: event() }, context);
    expect(stored).toHaveLength(1);
    // Thumbnails for the page: grey image and RGB heatmap, longer side 256.
    const [image, heatmap] = await Promise.all([sharp(thumbnails[0]!.image).metadata(), sharp(thumbnails[0]!.heatmap).metadata()]);
    expect([image.format, image.channels, Math.max(image.width ?? 0, image.height ?? 0)]).toEqual(['png', 1, 256]);
    expect([heatmap.format, heatmap.channels, Math.max(heatmap.width ?? 0, heatmap.height ?? 0)]).toEqual(['png', 3, 256]);
    const [sr, sc] = (stored[0] as Uint8Array[]).map((bytes) => readPart10(bytes).dataset as Record<string, unknown>);
    expect(sr?.Modality).toBe('SR');
    expect(sc?.SOPClassUID).toBe('1.2.840.10008.5.1.4.1.1.7');
    expect(sr?.StudyInstanceUID).toBe(source.StudyInstanceUID);
    expect(sc?.StudyInstanceUID).toBe(source.StudyInstanceUID);
    // The SR carries the study-level probabilities exactly as the event gave them (TID 1500 NUM items).
    const numbers = JSON.stringify(sr).match(/"NumericValue":"?([0-9.e-]+)/g) ?? [];
    expect(numbers.map((n) => Number(n.replace(/.*:"?/, ''))).sort()).toEqual([0.1, 0.2, 0.7]);
    expect(listed[0]).toMatchObject({ modality: 'CR', probability: 0.7, decision: { positive: true } });
    expect(published[0]).toMatchObject({ priority: 'urgent', sr: { sopInstanceUid: sr?.SOPInstanceUID }, secondaryCaptures: [{ sopInstanceUid: sc?.SOPInstanceUID }] });
    expect(published[0]?.sr.wadoRsUrl).toBe(`http://pacs.example/dicom-web/studies/${source.StudyInstanceUID}/series/${sr?.SeriesInstanceUID}/instances/${sr?.SOPInstanceUID}`);
  });

  it('draws a JPEG 2000 source from its resolution level with 768–1024 px, not from the full decode scaled down', async () => {
    // LF-DEMO-0006: 1841 × 1955 JPEG 2000. Decoded in full and scaled to 1024 px the SC would be 964 × 1024; one
    // level down (OpenJPEG's reduce 1) it is 921 × 978, with no resize.
    const j2k = new Uint8Array(readFileSync(path.join(REPO, 'samples/LF-DEMO-0006.dcm')));
    const { handler, stored } = harness(undefined, j2k);
    await handler({ key: { studyInstanceUid: source.StudyInstanceUID }, value: event() }, context);
    const sc = readPart10((stored[0] as Uint8Array[])[1] as Uint8Array).dataset as Record<string, unknown>;
    expect(sc.SOPClassUID).toBe('1.2.840.10008.5.1.4.1.1.7');
    expect([sc.Columns, sc.Rows]).toEqual([921, 978]);
  });

  it("puts a CT series' lung volume and CAM-based involvement in the SR and on the worklist entry", async () => {
    const { handler, stored, listed } = harness();
    const base = event();
    const seriesInstanceUid = base.results[0]?.seriesInstanceUid as string;
    const ctLungs = [
      {
        seriesInstanceUid,
        lungs: { method: 'Classical lung segmentation in Hounsfield units.', volumeMl: 4321.5, sliceSpacingMm: 5, slices: 40, slicesWithLungs: 36 },
        lesions: { className: 'covid19', relativeThreshold: 0.5, supervision: 'CAM-based estimate, not a lesion segmentation', volumeFraction: 0.125, volumeMl: 540.2 },
      },
    ];
    await handler({ key: { studyInstanceUid: source.StudyInstanceUID }, value: { ...base, ctLungs } }, context);
    const sr = readPart10((stored[0] as Uint8Array[])[0] as Uint8Array).dataset;
    expect(JSON.stringify(sr.ContentSequence)).toMatch(/"CodeValue":"LUNGVOL".*"NumericValue":"?4321\.5/);
    expect(listed[0]?.ctLungs).toEqual({ lungVolumeMl: 4321.5, involvedFraction: 0.125 });
  });

  it('gives a redelivered result the same UIDs (the PACS overwrites instead of duplicating)', async () => {
    const { handler, stored, published } = harness();
    await handler({ key: { studyInstanceUid: source.StudyInstanceUID }, value: event() }, context);
    await handler({ key: { studyInstanceUid: source.StudyInstanceUID }, value: event() }, context);
    const uids = stored.map((parts) => parts.map((bytes) => (readPart10(bytes).dataset as Record<string, unknown>).SOPInstanceUID));
    expect(uids[0]).toEqual(uids[1]);
    expect(new Set(uids[0]).size).toBe(2);
    expect(published[1]?.priority).toBe('urgent');
  });

  it('marks a negative result routine', async () => {
    const { handler, published } = harness();
    await handler({ key: { studyInstanceUid: source.StudyInstanceUID }, value: event({ decision: { className: 'covid19', threshold: 0.8, positive: false } }) }, context);
    expect(published[0]?.priority).toBe('routine');
  });

  it('retries a PACS outage without listing or publishing, then dead-letters it with the PACS answer', async () => {
    const outage = new DicomWebError('DICOMWEB_HTTP_5XX', 'POST /studies/1.2: PACS answered 503 Service Unavailable: "database locked"', { status: 503 });
    const { handler, stored, listed, published } = harness(async () => {
      throw outage;
    });
    const letters: DeadLetter[] = [];
    const encoded = encodeMessage(inferenceCompleted, { studyInstanceUid: source.StudyInstanceUID }, event());
    const outcome = await processMessage(
      { topic: 't', partition: 0, offset: '7', key: Buffer.from(encoded.key), value: Buffer.from(encoded.value), headers: {} },
      { contract: inferenceCompleted, handler, service: 'lungflow-report', maxAttempts: 3, wait: async () => undefined, deadLetter: async (_k, v) => void letters.push(v) },
    );
    expect(outcome).toBe('dead-lettered');
    expect(stored).toHaveLength(3);
    expect(listed).toHaveLength(0);
    expect(published).toHaveLength(0);
    expect(letters[0]).toMatchObject({ errorCode: 'DICOMWEB_HTTP_5XX', attempts: 3, service: 'lungflow-report' });
    expect(letters[0]?.reason).toContain('503 Service Unavailable: "database locked"');
    expect(() => encodeMessage(deadLetter, { topic: 't', partition: 0, offset: '7' }, letters[0] as DeadLetter)).not.toThrow();
  });

  it('refuses, without retrying, a result from a model it has no card for', async () => {
    const { handler } = harness();
    const unknown = event();
    unknown.results[0]!.model = { id: 'cxr-v9', version: '9.0.0', sha256: SHA };
    await expect(handler({ key: { studyInstanceUid: source.StudyInstanceUID }, value: unknown }, context)).rejects.toMatchObject({ code: 'MODEL_CARD_UNKNOWN', retriable: false });
  });
});

/** An event whose result carries lesion findings as infer sends them (masks packed to bits, libs/contracts). */
function eventWithLesions(): InferenceCompleted {
  const value = event();
  const { lungMask, lesionMask, ...rest } = lesionFindings();
  (value.results[0] as InferenceCompleted['results'][number]).lesions = { ...rest, lungMask: packMask(lungMask), lesionMask: packMask(lesionMask) };
  return inferenceCompleted.value.parse(value); // what the consumer hands the handler: the contract accepts it
}

describe('inference.completed handler, result with lesion findings', () => {
  it('stores SR, SC and SEG in one request; the SR measures the lesions and references SC and SEG; all pass dciodvfy', async () => {
    const { handler, stored, listed, published } = harness();
    await handler({ key: { studyInstanceUid: source.StudyInstanceUID }, value: eventWithLesions() }, context);
    expect(stored).toHaveLength(1);
    const parts = stored[0] as Uint8Array[];
    expect(parts).toHaveLength(3);
    const [sr, sc, seg] = parts.map((bytes) => readPart10(bytes).dataset as Record<string, unknown>);
    expect([sr?.Modality, sc?.SOPClassUID, seg?.Modality]).toEqual(['SR', '1.2.840.10008.5.1.4.1.1.7', 'SEG']);
    expect(seg).toMatchObject({ StudyInstanceUID: source.StudyInstanceUID, NumberOfFrames: 2, Rows: Number(source.Rows), Columns: Number(source.Columns) });
    const pertinent = JSON.stringify(sr?.PertinentOtherEvidenceSequence);
    expect(pertinent).toContain(String(sc?.SOPInstanceUID));
    expect(pertinent).toContain(String(seg?.SOPInstanceUID));
    expect(JSON.stringify(sr?.ContentSequence)).toContain('LESFRAC');
    for (const bytes of parts) expect(dciodvfy(bytes).errors).toEqual([]);
    expect(listed[0]?.seg).toMatchObject({ sopInstanceUid: seg?.SOPInstanceUID, sopClassUid: '1.2.840.10008.5.1.4.1.1.66.4' });
    // report.stored announces the SEG beside SR and SC, with its WADO-RS link, and the contract accepts it.
    expect(published[0]?.segmentations).toEqual([
      {
        studyInstanceUid: source.StudyInstanceUID,
        seriesInstanceUid: seg?.SeriesInstanceUID,
        sopInstanceUid: seg?.SOPInstanceUID,
        sopClassUid: '1.2.840.10008.5.1.4.1.1.66.4',
        wadoRsUrl: `http://pacs.example/dicom-web/studies/${source.StudyInstanceUID}/series/${seg?.SeriesInstanceUID}/instances/${seg?.SOPInstanceUID}`,
      },
    ]);
    expect(() => reportStored.value.parse(published[0])).not.toThrow();
  });

  it('gives a redelivery the same three UIDs', async () => {
    const { handler, stored } = harness();
    await handler({ key: { studyInstanceUid: source.StudyInstanceUID }, value: eventWithLesions() }, context);
    await handler({ key: { studyInstanceUid: source.StudyInstanceUID }, value: eventWithLesions() }, context);
    const uids = stored.map((parts) => parts.map((bytes) => (readPart10(bytes).dataset as Record<string, unknown>).SOPInstanceUID));
    expect(uids[0]).toEqual(uids[1]);
    expect(new Set(uids[0]).size).toBe(3);
  });

  it('keeps SR + SC and lists no SEG for a result without lesions', async () => {
    const { handler, stored, listed, published } = harness();
    await handler({ key: { studyInstanceUid: source.StudyInstanceUID }, value: event() }, context);
    expect(stored[0]).toHaveLength(2);
    expect(listed[0]?.seg).toBeUndefined();
    expect(published[0]).not.toHaveProperty('segmentations');
  });

  it('unpacks the event masks to what was measured, and reads no lesions from a plain result', () => {
    const { lungMask, lesionMask } = lesionFindings();
    const back = lesionsOf(eventWithLesions().results[0]!);
    expect(Buffer.from(back?.lungMask.data ?? []).equals(Buffer.from(lungMask.data))).toBe(true);
    expect(Buffer.from(back?.lesionMask.data ?? []).equals(Buffer.from(lesionMask.data))).toBe(true);
    expect(lesionsOf(event().results[0]!)).toBeUndefined();
    expect(lesionsOf(eventWithLesions().results[0]!)?.severity).toEqual({ extent: 2.5, opacity: 1.75, brixiaGlobal: 4.5 });
  });
});

describe('analysed instances of a multi-instance study', () => {
  const CT = '1.2.840.10008.5.1.4.1.1.2';
  const ENHANCED_CT = '1.2.840.10008.5.1.4.1.1.2.1';
  const sourceRef = { sopClassUid: CT, sopInstanceUid: '1.2.3.9.1', seriesInstanceUid: '1.2.3.9' };
  function studyOf(withClasses: boolean): InferenceCompleted {
    const base = event();
    const result = base.results[0] as InferenceCompleted['results'][number];
    const at = (sopInstanceUid: string, sopClassUid: string, frame = 1, numberOfFrames?: number) => ({
      ...result,
      seriesInstanceUid: '1.2.3.9',
      sopInstanceUid,
      frame,
      ...(withClasses ? { sopClassUid, ...(numberOfFrames ? { numberOfFrames } : {}) } : {}),
    });
    return inferenceCompleted.value.parse({ ...base, results: [at('1.2.3.9.1', CT), at('1.2.3.9.2', ENHANCED_CT, 1, 2), at('1.2.3.9.2', ENHANCED_CT, 2, 2)] });
  }
  function countingPacs() {
    const queries: unknown[] = [];
    const pacs = {
      searchInstances: async (query: Record<string, unknown>) => {
        queries.push(query);
        return [{ '00080018': { vr: 'UI', Value: ['1.2.3.9.2'] }, '00080016': { vr: 'UI', Value: [ENHANCED_CT] } }];
      },
    } as unknown as ReportPacs;
    return { pacs, queries };
  }

  it('takes every SOP Class from the event and does not ask the PACS', async () => {
    const { pacs, queries } = countingPacs();
    expect(await analysedInstances(pacs, studyOf(true), sourceRef)).toEqual([sourceRef, { sopClassUid: ENHANCED_CT, sopInstanceUid: '1.2.3.9.2', seriesInstanceUid: '1.2.3.9' }]);
    expect(queries).toEqual([]);
  });

  it('asks the PACS (QIDO-RS, once) for an event from an older producer without the classes, with the same outcome', async () => {
    const { pacs, queries } = countingPacs();
    expect(await analysedInstances(pacs, studyOf(false), sourceRef)).toEqual(await analysedInstances(countingPacs().pacs, studyOf(true), sourceRef));
    expect(queries).toEqual([{ includefield: '00080016' }]);
  });
});

describe('helpers', () => {
  it('decodes both CAM encodings', () => {
    const floats = new Float32Array([0, 0.25, 0.5, 1]);
    expect(Array.from(camOf({ shape: [2, 2], encoding: 'float32-base64', data: Buffer.from(floats.buffer).toString('base64'), className: 'c' }).data)).toEqual([0, 0.25, 0.5, 1]);
    expect(camOf({ shape: [1, 2], encoding: 'array', data: [3, 4], className: 'c' })).toMatchObject({ width: 2, height: 1 });
    expect(camOf(undefined)).toMatchObject({ width: 1, height: 1 });
  });
});

describe('inference.completed handler, CT', () => {
  // A real chest CT slice in HU (TCIA COVID-19-NY-SBU) and the released ct-v1 card (its lung window).
  const ctBytes = new Uint8Array(readFileSync(samplePath(NY_SBU_SLICES[0] as string)));
  const ct = readPart10(ctBytes).dataset as Record<string, string>;
  const ctCard = resultCardSchema.parse(JSON.parse(readFileSync(path.join(REPO, 'models/ct-v1/card.json'), 'utf8')));

  it('colours the SC heatmap only inside the slice\'s lungs in HU (the segmentation infer gates no-lungs on)', async () => {
    const value = event();
    // An 8 × 8 CAM like ct-v1's, over the whole slice: hottest at the bottom right, where the table and body wall are.
    const cam = new Float32Array(64).map((_, i) => i / 63 - 0.3);
    Object.assign(value.results[0] as InferenceCompleted['results'][number], {
      seriesInstanceUid: ct.SeriesInstanceUID,
      sopInstanceUid: ct.SOPInstanceUID,
      model: { id: ctCard.id, version: ctCard.version, sha256: SHA },
      probabilities: { covid19: 0.7, non_covid: 0.3 },
      activationMap: { shape: [8, 8], encoding: 'float32-base64', data: Buffer.from(cam.buffer).toString('base64'), className: 'covid19' },
    });
    value.aggregate.probabilities = { covid19: 0.7, non_covid: 0.3 };
    const { handler, stored } = harness(undefined, ctBytes, ModelCatalog.fromCards([ctCard]));
    await handler({ key: { studyInstanceUid: ct.StudyInstanceUID }, value: inferenceCompleted.value.parse(value) }, context);
    const sc = readPart10((stored[0] as Uint8Array[])[1] as Uint8Array);
    const { Columns: width, Rows: height } = sc.dataset as { Columns: number; Rows: number };
    if (!sc.pixelData || sc.pixelData.encapsulated) throw new Error('the SC should hold native RGB pixels');
    const rgb = sc.pixelData.buffers[0] as Uint8Array;

    const slice = readPart10(ctBytes);
    const { modalityValues, fullResolution } = await renderFrame(slice, { frame: 0, ctWindow: ctWindowOf(ctCard)!, keepModalityValues: true });
    const geometry = ctSliceGeometry(slice.dataset, 0);
    expect(geometry.hounsfield).toBe(true);
    const lungs = ctLungsAtSource(ctSliceLungs(geometry, modalityValues as Float32Array, fullResolution.width, fullResolution.height));
    const inside = lungMaskAt(lungs, width, height).data;
    let colouredInside = 0;
    // Rows below the legend (burned into the top-left corner).
    for (let p = Math.ceil(height / 3) * width; p < width * height; p += 1) {
      const grey = rgb[3 * p] === rgb[3 * p + 1] && rgb[3 * p + 1] === rgb[3 * p + 2];
      if (!inside[p] && !grey) throw new Error(`pixel ${p % width},${Math.floor(p / width)} outside the lungs is coloured`);
      if (inside[p] && !grey) colouredInside += 1;
    }
    expect(colouredInside).toBeGreaterThan(0);
  });
});
