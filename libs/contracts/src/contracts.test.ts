import { TOPICS, ContractError, auditEvent, decodeMessage, deadLetter, encodeMessage, inferenceCompleted, packMask, reportStored, studyReceived, unpackMask } from './index';
import type { InferenceCompleted, StudyReceived } from './index';

const STUDY = '1.2.826.0.1.3680043.8.498.1';
const SERIES = '1.2.826.0.1.3680043.8.498.2';
const SOP = '1.2.826.0.1.3680043.8.498.3';
const WADO = 'http://pacs.example:8042/dicom-web/studies/' + STUDY;

function studyEvent(overrides: Partial<StudyReceived> = {}): StudyReceived {
  return {
    schemaVersion: 1,
    studyInstanceUid: STUDY,
    studyVersion: 1,
    contentHash: 'a'.repeat(64),
    modalities: ['CR'],
    bodyParts: ['CHEST'],
    instanceCount: 1,
    series: [
      {
        seriesInstanceUid: SERIES,
        modality: 'CR',
        kind: 'cxr',
        bodyPartExamined: 'CHEST',
        instanceCount: 1,
        wadoRsUrl: `${WADO}/series/${SERIES}`,
        instances: [{ sopInstanceUid: SOP, sopClassUid: '1.2.840.10008.5.1.4.1.1.1', numberOfFrames: 1, wadoRsUrl: `${WADO}/series/${SERIES}/instances/${SOP}` }],
      },
    ],
    wadoRsUrl: WADO,
    receivedAt: '2026-11-26T15:00:00.000Z',
    sourcePacsId: 'orthanc-local',
    source: 'orthanc-changes',
    traceId: '0123456789abcdef',
    ...overrides,
  };
}

describe('contracts', () => {
  it('round-trips study.received, keyed (and partitioned) by StudyInstanceUID', () => {
    const encoded = encodeMessage(studyReceived, { studyInstanceUid: STUDY }, studyEvent());
    expect(encoded.partitionKey).toBe(STUDY);
    const decoded = decodeMessage(studyReceived, Buffer.from(encoded.key), Buffer.from(encoded.value));
    expect(decoded.value).toEqual(studyEvent());
  });

  it('refuses a producer value that breaks the contract, naming the field', () => {
    expect(() => encodeMessage(studyReceived, { studyInstanceUid: STUDY }, studyEvent({ studyInstanceUid: '1.2.03' }))).toThrow(/studyInstanceUid: not a DICOM UID/);
    // A UID over 64 characters is invalid (PS3.5 §9.1) even when its digits are well formed.
    expect(() => encodeMessage(studyReceived, { studyInstanceUid: '1.' + '2'.repeat(63) }, studyEvent())).toThrow(ContractError);
    expect(() => encodeMessage(studyReceived, { studyInstanceUid: STUDY }, studyEvent({ modalities: ['MR' as 'CT'] }))).toThrow(/modalities/);
  });

  it('rejects pixel data smuggled into an event (unknown fields are not allowed)', () => {
    const withPixels = { ...studyEvent(), pixelData: 'AAAA' } as StudyReceived;
    expect(() => encodeMessage(studyReceived, { studyInstanceUid: STUDY }, withPixels)).toThrow(/pixelData|Unrecognized/);
  });

  it('reports undecodable consumer input as a non-retriable ContractError', () => {
    let thrown: unknown;
    try {
      decodeMessage(studyReceived, Buffer.from('{"studyInstanceUid":"1.2"}'), Buffer.from('not json'));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ContractError);
    expect((thrown as ContractError).retriable).toBe(false);
    expect((thrown as ContractError).code).toBe('CONTRACT_INVALID');
    expect(() => decodeMessage(studyReceived, null, Buffer.from('{}'))).toThrow(/key is missing/);
  });

  it('checks activation map size against its shape in inference.completed', () => {
    const map = { shape: [2, 2] as [number, number], encoding: 'float32-base64' as const, data: Buffer.from(new Float32Array([0, 0.5, 1, 0.25]).buffer).toString('base64'), className: 'covid' };
    const event: InferenceCompleted = {
      schemaVersion: 1,
      studyInstanceUid: STUDY,
      studyVersion: 2,
      traceId: '0123456789abcdef',
      sourcePacsId: 'orthanc-local',
      results: [
        {
          seriesInstanceUid: SERIES,
          sopInstanceUid: SOP,
          frame: 1,
          model: { id: 'cxr-densenet', version: '1.0.0', sha256: 'b'.repeat(64) },
          probabilities: { covid: 0.8, normal: 0.2 },
          decision: { className: 'covid', threshold: 0.5, positive: true },
          activationMap: map,
        },
      ],
      aggregate: { method: 'max', probabilities: { covid: 0.8 }, decision: { className: 'covid', threshold: 0.5, positive: true }, analysedImages: 1 },
      provenance: { lungflowVersion: '0.1.0', startedAt: '2026-11-26T15:00:00Z', finishedAt: '2026-11-26T15:00:01Z' },
    };
    expect(() => encodeMessage(inferenceCompleted, { studyInstanceUid: STUDY }, event)).not.toThrow();
    const short = { ...map, data: Buffer.from(new Float32Array([1, 2, 3]).buffer).toString('base64') };
    const bad = { ...event, results: [{ ...event.results[0], activationMap: short }] };
    expect(() => encodeMessage(inferenceCompleted, { studyInstanceUid: STUDY }, bad)).toThrow(/shape/);
  });

  it('carries the optional decision status and lung area of v2 models, and keeps status and positive consistent', () => {
    const base = { className: 'covid', threshold: 0.5 };
    const event: InferenceCompleted = {
      schemaVersion: 1,
      studyInstanceUid: STUDY,
      studyVersion: 1,
      traceId: '0123456789abcdef',
      sourcePacsId: 'orthanc-local',
      results: [{ seriesInstanceUid: SERIES, sopInstanceUid: SOP, frame: 1, model: { id: 'cxr-v2', version: '2.0.0', sha256: 'b'.repeat(64) }, probabilities: { covid: 0.9 }, decision: { ...base, positive: false, status: 'indeterminate', reason: 'no-lungs' }, lungs: { areaFraction: 0.01 } }],
      aggregate: { method: 'max', probabilities: { covid: 0.9 }, decision: { ...base, positive: false, status: 'indeterminate', reason: 'no-lungs' }, analysedImages: 1 },
      provenance: { lungflowVersion: '0.1.0', startedAt: '2026-11-26T15:00:00Z', finishedAt: '2026-11-26T15:00:01Z' },
    };
    const { value } = decodeMessage(inferenceCompleted, JSON.stringify({ studyInstanceUid: STUDY }), encodeMessage(inferenceCompleted, { studyInstanceUid: STUDY }, event).value);
    expect(value.aggregate.decision).toEqual({ ...base, positive: false, status: 'indeterminate', reason: 'no-lungs' });
    expect(value.results[0]?.lungs).toEqual({ areaFraction: 0.01 });
    const withAggregate = (decision: object) => ({ ...event, aggregate: { ...event.aggregate, decision } }) as InferenceCompleted;
    expect(() => encodeMessage(inferenceCompleted, { studyInstanceUid: STUDY }, withAggregate({ ...base, positive: true, status: 'indeterminate' }))).toThrow(/positive must equal/);
    expect(() => encodeMessage(inferenceCompleted, { studyInstanceUid: STUDY }, withAggregate({ ...base, positive: true, status: 'positive', reason: 'uncertain' }))).toThrow(/reason/);
    expect(() => encodeMessage(inferenceCompleted, { studyInstanceUid: STUDY }, withAggregate({ ...base, positive: false, status: 'maybe' }))).toThrow(/status/);
  });

  it('carries optional lesion findings with their packed masks, and refuses a mask whose bits do not fit its size', () => {
    const region = { areaFraction: 0.25, areaMm2: null };
    const zone = { ...region, brixia: 1.5 };
    const mask = { width: 112, height: 112, encoding: 'bits-base64' as const, data: Buffer.alloc((112 * 112) / 8, 0xff).toString('base64') };
    const lesions = {
      supervision: 'weak: thresholded CAM inside the predicted lungs',
      total: region,
      lungs: { right: region, left: { areaFraction: 0.1, areaMm2: 1234.5 } },
      zones: { rightUpper: zone, rightMiddle: zone, rightLower: zone, leftUpper: zone, leftMiddle: zone, leftLower: { ...zone, brixia: null } },
      severity: { extent: 3.2, opacity: null, brixiaGlobal: 9 },
      clinical: [{ id: 'crp', display: 'C-reactive protein', unit: 'mg/L', value: 42, modelId: 'cxr-v2/lesions/crp' }],
      lungMask: mask,
      lesionMask: mask,
      peak: { x: 0.3, y: 0.6 },
    };
    const result = { seriesInstanceUid: SERIES, sopInstanceUid: SOP, frame: 1, model: { id: 'cxr-v2', version: '2.0.0', sha256: 'b'.repeat(64) }, probabilities: { covid: 0.9 }, decision: { className: 'covid', threshold: 0.5, positive: true }, lesions };
    const event: InferenceCompleted = {
      schemaVersion: 1,
      studyInstanceUid: STUDY,
      studyVersion: 1,
      traceId: '0123456789abcdef',
      sourcePacsId: 'orthanc-local',
      results: [result],
      aggregate: { method: 'max', probabilities: { covid: 0.9 }, decision: { className: 'covid', threshold: 0.5, positive: true }, analysedImages: 1 },
      provenance: { lungflowVersion: '0.1.0', startedAt: '2026-11-26T15:00:00Z', finishedAt: '2026-11-26T15:00:01Z' },
    };
    const { value } = decodeMessage(inferenceCompleted, JSON.stringify({ studyInstanceUid: STUDY }), encodeMessage(inferenceCompleted, { studyInstanceUid: STUDY }, event).value);
    expect(value.results[0]?.lesions).toEqual(lesions);
    const withLesions = (changed: object) => ({ ...event, results: [{ ...result, lesions: { ...lesions, ...changed } }] }) as InferenceCompleted;
    expect(() => encodeMessage(inferenceCompleted, { studyInstanceUid: STUDY }, withLesions({ lesionMask: { ...mask, width: 111 } }))).toThrow(/width × height bits/);
    expect(() => encodeMessage(inferenceCompleted, { studyInstanceUid: STUDY }, withLesions({ severity: { extent: 9, opacity: null, brixiaGlobal: null } }))).toThrow(/extent/);
  });

  it("carries each result's optional SOP Class UID and frame count, and refuses a frame beyond the count", () => {
    const result = { seriesInstanceUid: SERIES, sopInstanceUid: SOP, frame: 2, model: { id: 'ct-v1', version: '1.0.0', sha256: 'b'.repeat(64) }, probabilities: { covid: 0.9 }, decision: { className: 'covid', threshold: 0.5, positive: true } };
    const event = (changed: object): InferenceCompleted => ({
      schemaVersion: 1,
      studyInstanceUid: STUDY,
      studyVersion: 1,
      traceId: '0123456789abcdef',
      sourcePacsId: 'orthanc-local',
      results: [{ ...result, ...changed }],
      aggregate: { method: 'max', probabilities: { covid: 0.9 }, decision: { className: 'covid', threshold: 0.5, positive: true }, analysedImages: 1 },
      provenance: { lungflowVersion: '0.1.0', startedAt: '2026-11-26T15:00:00Z', finishedAt: '2026-11-26T15:00:01Z' },
    });
    const enhancedCt = { sopClassUid: '1.2.840.10008.5.1.4.1.1.2.1', numberOfFrames: 3 };
    const { value } = decodeMessage(inferenceCompleted, JSON.stringify({ studyInstanceUid: STUDY }), encodeMessage(inferenceCompleted, { studyInstanceUid: STUDY }, event(enhancedCt)).value);
    expect(value.results[0]).toMatchObject(enhancedCt);
    // An older producer's result (neither field) still decodes: both are optional.
    expect(() => encodeMessage(inferenceCompleted, { studyInstanceUid: STUDY }, event({ frame: 1 }))).not.toThrow();
    expect(() => encodeMessage(inferenceCompleted, { studyInstanceUid: STUDY }, event({ numberOfFrames: 1 }))).toThrow(/numberOfFrames/);
    expect(() => encodeMessage(inferenceCompleted, { studyInstanceUid: STUDY }, event({ ...enhancedCt, frame: 4 }))).toThrow(/frame must not exceed numberOfFrames/);
    expect(() => encodeMessage(inferenceCompleted, { studyInstanceUid: STUDY }, event({ sopClassUid: '1.2.03' }))).toThrow(/sopClassUid/);
  });

  it('packs masks least significant bit first to an even length, and unpacks them unchanged', () => {
    const data = Uint8Array.from({ length: 5 * 3 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const packed = packMask({ width: 5, height: 3, data });
    expect([...Buffer.from(packed.data, 'base64')]).toEqual([0b01001001, 0b00010010]); // pixels 0, 3, 6 | 9, 12 (bits 1 and 4)
    expect(unpackMask(packed)).toEqual({ width: 5, height: 3, data });
    expect(() => packMask({ width: 4, height: 4, data })).toThrow(/15 values/);
  });

  it('validates report.stored and the dead-letter envelope', () => {
    const obj = { studyInstanceUid: STUDY, seriesInstanceUid: SERIES, sopInstanceUid: SOP, sopClassUid: '1.2.840.10008.5.1.4.1.1.88.33', wadoRsUrl: WADO };
    expect(() =>
      encodeMessage(reportStored, { studyInstanceUid: STUDY }, { schemaVersion: 1, studyInstanceUid: STUDY, studyVersion: 1, traceId: '0123456789abcdef', sourcePacsId: 'p', priority: 'urgent', sr: obj, secondaryCaptures: [], storedAt: '2026-11-26T15:00:00Z' }),
    ).not.toThrow();
    // The SEG beside SR and SC (optional, so a v1 message without it stays valid); an SR-only object list is not a SEG list.
    const stored = { schemaVersion: 1 as const, studyInstanceUid: STUDY, studyVersion: 1, traceId: '0123456789abcdef', sourcePacsId: 'p', priority: 'urgent' as const, sr: obj, secondaryCaptures: [], storedAt: '2026-11-26T15:00:00Z' };
    const seg = { ...obj, sopClassUid: '1.2.840.10008.5.1.4.1.1.66.4' };
    const { value } = decodeMessage(reportStored, JSON.stringify({ studyInstanceUid: STUDY }), encodeMessage(reportStored, { studyInstanceUid: STUDY }, { ...stored, segmentations: [seg] }).value);
    expect(value.segmentations).toEqual([seg]);
    expect(() => encodeMessage(reportStored, { studyInstanceUid: STUDY }, { ...stored, segmentations: [{ ...seg, wadoRsUrl: 'not a url' }] })).toThrow(/segmentations/);
    const key = { topic: TOPICS.studyReceived.name, partition: 0, offset: '42' };
    const encoded = encodeMessage(deadLetter, key, {
      schemaVersion: 1,
      original: { topic: key.topic, partition: 0, offset: '42', encoding: 'utf8', key: null, value: 'not json', headers: {} },
      errorCode: 'CONTRACT_INVALID',
      reason: 'value is not JSON',
      service: 'infer',
      attempts: 1,
      firstFailureAt: '2026-11-26T15:00:00Z',
      lastFailureAt: '2026-11-26T15:00:00Z',
    });
    expect(encoded.partitionKey).toBe(`${TOPICS.studyReceived.name}/0/42`);
  });

  it('keeps every topic name versioned and unique', () => {
    const names = Object.values(TOPICS).map((topic) => topic.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(name).toMatch(/^lungflow\.[a-z.]+\.v[0-9]+$/);
  });
});

describe('audit contract', () => {
  const event = {
    schemaVersion: 1 as const,
    eventId: '3b241101-e2bb-4255-8caf-4136c566a962',
    at: '2026-12-02T16:00:00.000Z',
    action: 'review.saved' as const,
    actor: { username: 'dr.house', method: 'local' as const, roles: ['reviewer' as const] },
    studyInstanceUid: STUDY,
    sopInstanceUids: [SOP],
    revision: 2,
    outcome: 'success' as const,
  };
  it('round-trips an audit event keyed by StudyInstanceUID, on the versioned audit topic', () => {
    const encoded = encodeMessage(auditEvent, { studyInstanceUid: STUDY }, event);
    expect(encoded.partitionKey).toBe(STUDY);
    expect(decodeMessage(auditEvent, encoded.key, encoded.value).value).toEqual(event);
    expect(TOPICS.audit.name).toBe('lungflow.audit.v1');
  });
  it('refuses patient identity smuggled in as an extra field', () => {
    expect(() => encodeMessage(auditEvent, { studyInstanceUid: STUDY }, { ...event, patientName: 'Doe^John' } as never)).toThrow(ContractError);
  });
});
