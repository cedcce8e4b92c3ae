import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { inferenceCompletedValue, studyReceived, type InferenceCompleted, type StudyReceived } from '@lungflow/contracts';
import { readPart10, type DicomInstance } from '@lungflow/dicom';
import { DicomWebError } from '@lungflow/dicomweb';
import { processMessage } from '@lungflow/kafka';
import { createLogger } from '@lungflow/logging';
import { decide, type Classification, type GrayImage, type ModelRunner, type ModelSet } from '@lungflow/inference';
import type { PacsReader } from '../pacs/PacsReader';
import { handleStudyReceived, type DoneStore } from './studyReceived';

const DATA = process.env.LUNGFLOW_SHARED_DIR ? path.resolve(process.env.LUNGFLOW_SHARED_DIR, 'data') : path.resolve(__dirname, '../../../../../shared/data');
const read = (file: string): DicomInstance => readPart10(new Uint8Array(readFileSync(path.join(DATA, 'dicom', file))));

/** A stand-in model (unit tests; the real models run in the integration and parity tests): P(covid19) = mean grey level. */
function fakeRunner(task: 'cxr' | 'ct'): ModelRunner {
  const card = { id: `${task}-fake`, version: '0', task, classes: [], input: { size: 8 }, preprocessing: {}, operatingPoint: { className: 'covid19', threshold: 0.3 }, files: { model: 'x', sha256: 'a'.repeat(64) } };
  return {
    release: { card },
    identity: { id: card.id, version: '0', sha256: 'a'.repeat(64) },
    aggregation: task === 'ct' ? { method: 'mean-top-k', k: 3 } : { method: 'max' },
    lesionMap: { className: 'covid19', normalise: 'maxInLungs', threshold: 0.5 },
    classifyGray: async (image: GrayImage): Promise<Classification> => {
      const p = image.data.reduce((sum, v) => sum + v, 0) / image.data.length / 255;
      return {
        probabilities: { covid19: p, other: 1 - p },
        logits: {},
        cam: { width: 2, height: 2, maps: { covid19: new Float32Array([p, 0, 0, p]) } },
        // A v2-style decision (status, band): what goes on the topic must still be v1's strict shape.
        decision: decide(p, { className: 'covid19', threshold: 0.3, band: { low: 0.29, high: 0.31 } }),
      };
    },
  } as unknown as ModelRunner;
}

const models = { get: async (task: 'cxr' | 'ct') => fakeRunner(task) } as unknown as ModelSet;
const silent = createLogger({ service: 'infer-test', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });

const ECT = read('pydicom_data/eCT_Supplemental.dcm'); // enhanced CT, 2 frames
const CT_SMALL = read('pydicom_debian_pkg/CT_small.dcm');

function event(): StudyReceived {
  const url = 'http://pacs.test/dicom-web/studies/1.2.3';
  return {
    schemaVersion: 1,
    studyInstanceUid: '1.2.3',
    studyVersion: 1,
    contentHash: 'b'.repeat(64),
    modalities: ['CT'],
    bodyParts: [],
    instanceCount: 2,
    series: [
      {
        seriesInstanceUid: '1.2.3.4',
        modality: 'CT',
        kind: 'ct',
        instanceCount: 2,
        wadoRsUrl: `${url}/series/1.2.3.4`,
        instances: [
          { sopInstanceUid: '1.2.3.4.1', sopClassUid: '1.2.840.10008.5.1.4.1.1.2.1', numberOfFrames: 2, wadoRsUrl: `${url}/series/1.2.3.4/instances/1.2.3.4.1` },
          { sopInstanceUid: '1.2.3.4.2', sopClassUid: '1.2.840.10008.5.1.4.1.1.2', numberOfFrames: 1, wadoRsUrl: `${url}/series/1.2.3.4/instances/1.2.3.4.2` },
        ],
      },
    ],
    wadoRsUrl: url,
    receivedAt: '2026-01-01T00:00:00.000Z',
    sourcePacsId: 'orthanc-test',
    source: 'orthanc-changes',
    traceId: 'trace-0001',
  };
}

const pacsOf = (byUid: Record<string, DicomInstance>): PacsReader => ({ readInstance: async (_s, _se, sop) => byUid[sop] as DicomInstance });

function message(value: StudyReceived) {
  return { topic: 'study.received.test', partition: 0, offset: '7', key: Buffer.from(JSON.stringify({ studyInstanceUid: value.studyInstanceUid })), value: Buffer.from(JSON.stringify(value)), headers: {} };
}

describe('handleStudyReceived', () => {
  it('publishes one inference.completed per study: every frame, the CT rule, provenance; valid against the contract', async () => {
    const published: InferenceCompleted[] = [];
    const handler = handleStudyReceived({ models, pacs: pacsOf({ '1.2.3.4.1': ECT, '1.2.3.4.2': CT_SMALL }), publish: async (_k, v) => void published.push(v), logger: silent, lungflowVersion: '9.9.9' });
    await handler({ key: { studyInstanceUid: '1.2.3' }, value: event() }, { topic: 't', partition: 0, offset: '0', headers: {}, attempt: 1 });
    expect(published).toHaveLength(1);
    const done = inferenceCompletedValue.parse(published[0]);
    expect(done.results.map((r) => [r.sopInstanceUid, r.frame])).toEqual([['1.2.3.4.1', 1], ['1.2.3.4.1', 2], ['1.2.3.4.2', 1]]);
    // Each result names its instance's SOP Class (report needs no QIDO for it) and, for the multi-frame one, its frames.
    expect(done.results.map((r) => [r.sopClassUid, r.numberOfFrames])).toEqual([
      ['1.2.840.10008.5.1.4.1.1.2.1', 2],
      ['1.2.840.10008.5.1.4.1.1.2.1', 2],
      ['1.2.840.10008.5.1.4.1.1.2', undefined],
    ]);
    const mean = done.results.reduce((sum, r) => sum + (r.probabilities.covid19 as number), 0) / 3;
    expect(done.aggregate.method).toBe('mean-top-3');
    expect(done.aggregate.probabilities.covid19).toBeCloseTo(mean, 12);
    expect(done.aggregate.analysedImages).toBe(3);
    expect(done.provenance.lungflowVersion).toBe('9.9.9');
    expect(done.results[0]?.model).toEqual({ id: 'ct-fake', version: '0', sha256: 'a'.repeat(64) });
    expect(done.results[0]?.activationMap).toMatchObject({ shape: [2, 2], encoding: 'float32-base64', className: 'covid19' });
    // CT lung quantification per series: CT_small is in HU (measured), the enhanced CT's frames are not (skipped).
    expect(done.ctLungs).toHaveLength(1);
    expect(done.ctLungs?.[0]).toMatchObject({ seriesInstanceUid: '1.2.3.4', lungs: { slices: 1 }, lesions: { className: 'covid19', supervision: expect.stringMatching(/^CAM-based estimate/) } });
    // The status travels (an optional field of the contract); the card's band stays with the model.
    for (const decision of [done.aggregate.decision, ...done.results.map((r) => r.decision)]) {
      expect(decision.status).toBe(decision.positive ? 'positive' : (decision.reason ? 'indeterminate' : 'negative'));
      expect(decision).not.toHaveProperty('band');
    }
  });

  it('asks for a series metadata once and hands each instance its entry; one the answer lacks is read on its own', async () => {
    const calls: string[] = [];
    const entry = { '00080018': { vr: 'UI', Value: ['1.2.3.4.1'] } };
    const pacs: PacsReader = {
      readSeriesMetadata: async (study, series) => (calls.push(`series ${study} ${series}`), new Map([['1.2.3.4.1', entry]])),
      readInstance: async (s, se, sop, n, metadata) => {
        calls.push(`instance ${sop} ${metadata === entry ? 'with' : 'without'} metadata`);
        return pacsOf({ '1.2.3.4.1': ECT, '1.2.3.4.2': CT_SMALL }).readInstance(s, se, sop, n);
      },
    };
    const published: InferenceCompleted[] = [];
    await handleStudyReceived({ models, pacs, publish: async (_k, v) => void published.push(v), logger: silent, lungflowVersion: '1' })({ key: { studyInstanceUid: '1.2.3' }, value: event() }, { topic: 't', partition: 0, offset: '0', headers: {}, attempt: 1 });
    expect(published).toHaveLength(1);
    expect(calls.sort()).toEqual(['instance 1.2.3.4.1 with metadata', 'instance 1.2.3.4.2 without metadata', 'series 1.2.3 1.2.3.4']);

    // A single-image series (the radiograph) keeps its one instance request: a series request would add one.
    calls.length = 0;
    const single = event();
    single.series = [{ ...(single.series[0] as StudyReceived['series'][number]), instances: [(single.series[0] as StudyReceived['series'][number]).instances[1] as StudyReceived['series'][number]['instances'][number]] }];
    await handleStudyReceived({ models, pacs, publish: async () => undefined, logger: silent, lungflowVersion: '1' })({ key: { studyInstanceUid: '1.2.3' }, value: single }, { topic: 't', partition: 0, offset: '0', headers: {}, attempt: 1 });
    expect(calls).toEqual(['instance 1.2.3.4.2 without metadata']);
  });

  it('waits out a PACS outage: retries without publishing or committing, then publishes once', async () => {
    const published: InferenceCompleted[] = [];
    let outages = 2;
    const pacs: PacsReader = {
      readInstance: async (s, se, sop, n) => {
        if (outages > 0) {
          outages -= 1;
          throw new DicomWebError('DICOMWEB_UNREACHABLE', 'connection refused');
        }
        return pacsOf({ '1.2.3.4.1': ECT, '1.2.3.4.2': CT_SMALL }).readInstance(s, se, sop, n);
      },
    };
    const handler = handleStudyReceived({ models, pacs, publish: async (_k, v) => void published.push(v), logger: silent, lungflowVersion: '1' });
    const waits: number[] = [];
    const deadLetters: unknown[] = [];
    const outcome = await processMessage(message(event()), {
      contract: studyReceived,
      handler,
      service: 'infer',
      deadLetter: async (_k, v) => void deadLetters.push(v),
      wait: async (ms) => void waits.push(ms),
    });
    expect(outcome).toBe('handled');
    expect(waits.length).toBeGreaterThanOrEqual(1);
    expect(deadLetters).toEqual([]);
    expect(published).toHaveLength(1);
  });

  it('dead-letters an unreadable study with the reason, publishing nothing', async () => {
    const broken: DicomInstance = { ...CT_SMALL, pixelData: { encapsulated: false, buffers: [new Uint8Array(10)], bigEndian: false } };
    const published: InferenceCompleted[] = [];
    const handler = handleStudyReceived({ models, pacs: pacsOf({ '1.2.3.4.1': ECT, '1.2.3.4.2': broken }), publish: async (_k, v) => void published.push(v), logger: silent, lungflowVersion: '1' });
    const deadLetters: { errorCode: string; reason: string }[] = [];
    const outcome = await processMessage(message(event()), { contract: studyReceived, handler, service: 'infer', deadLetter: async (_k, v) => void deadLetters.push(v), wait: async () => undefined });
    expect(outcome).toBe('dead-lettered');
    expect(published).toEqual([]);
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]?.errorCode).toMatch(/^DICOM_/);
    expect(deadLetters[0]?.reason.length).toBeGreaterThan(0);
  });

  it('redoes a study interrupted mid-way with the same numbers, and skips a redelivery once published', async () => {
    const done = new Map<string, string>();
    const store: DoneStore = { isDone: async (k) => done.has(k), markDone: async (k) => void done.set(k, 'done') };
    const published: InferenceCompleted[] = [];
    let crash = true;
    const pacs: PacsReader = {
      readInstance: async (s, se, sop, n) => {
        if (crash && sop === '1.2.3.4.2') throw new Error('process killed');
        return pacsOf({ '1.2.3.4.1': ECT, '1.2.3.4.2': CT_SMALL }).readInstance(s, se, sop, n);
      },
    };
    const handler = handleStudyReceived({ models, pacs, publish: async (_k, v) => void published.push(v), logger: silent, lungflowVersion: '1', done: { store, prefix: 'infer:', ttlMs: 1000 } });
    const context = { topic: 't', partition: 0, offset: '0', headers: {}, attempt: 1 };
    await expect(handler({ key: { studyInstanceUid: '1.2.3' }, value: event() }, context)).rejects.toThrow('process killed');
    expect(published).toEqual([]);
    crash = false;
    await handler({ key: { studyInstanceUid: '1.2.3' }, value: event() }, context);
    await handler({ key: { studyInstanceUid: '1.2.3' }, value: event() }, context);
    expect(published).toHaveLength(1);

    const fresh: InferenceCompleted[] = [];
    await handleStudyReceived({ models, pacs, publish: async (_k, v) => void fresh.push(v), logger: silent, lungflowVersion: '1' })({ key: { studyInstanceUid: '1.2.3' }, value: event() }, context);
    expect(fresh[0]?.results).toEqual(published[0]?.results);
    expect(fresh[0]?.aggregate).toEqual(published[0]?.aggregate);
  });
});
