import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { inferenceCompletedValue, unpackMask, type InferenceCompleted, type StudyReceived } from '@lungflow/contracts';
import { readPart10 } from '@lungflow/dicom';
import { createLogger } from '@lungflow/logging';
import { ModelSet } from '@lungflow/inference';
import { handleStudyReceived } from './studyReceived';

// The released cxr-v2 on a real radiograph: the event carries the lesion findings and still passes the strict contract
// (a field the contract does not know would dead-letter every CXR study).
const REPO = path.resolve(__dirname, '../../../..');
const DATA = process.env.LUNGFLOW_SHARED_DIR ? path.resolve(process.env.LUNGFLOW_SHARED_DIR, 'data') : path.resolve(REPO, '../shared/data');
const RADIOGRAPH = readPart10(new Uint8Array(readFileSync(path.join(DATA, 'dicom/torchxrayvision/1.2.276.0.7230010.3.1.4.8323329.6904.1517875201.850819.dcm'))));
const silent = createLogger({ service: 'infer-test', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });

function event(): StudyReceived {
  const url = 'http://pacs.test/dicom-web/studies/1.2.3';
  return {
    schemaVersion: 1,
    studyInstanceUid: '1.2.3',
    studyVersion: 1,
    contentHash: 'b'.repeat(64),
    modalities: ['CR'],
    bodyParts: ['CHEST'],
    instanceCount: 1,
    series: [{ seriesInstanceUid: '1.2.3.4', modality: 'CR', kind: 'cxr', instanceCount: 1, wadoRsUrl: `${url}/series/1.2.3.4`, instances: [{ sopInstanceUid: '1.2.3.4.1', sopClassUid: '1.2.840.10008.5.1.4.1.1.7', numberOfFrames: 1, wadoRsUrl: `${url}/series/1.2.3.4/instances/1.2.3.4.1` }] }],
    wadoRsUrl: url,
    receivedAt: '2026-01-01T00:00:00.000Z',
    sourcePacsId: 'orthanc-test',
    source: 'orthanc-changes',
    traceId: 'trace-0001',
  };
}

describe('inference.completed from cxr-v2', () => {
  const models = new ModelSet({ cxr: path.join(REPO, 'models/cxr-v2'), ct: path.join(REPO, 'models/ct-v1') }, { intraOpThreads: 1 });
  afterAll(() => models.close());

  it('carries the lesion findings with masks inside the lungs, valid against the contract', async () => {
    const published: InferenceCompleted[] = [];
    const handler = handleStudyReceived({ models, pacs: { readInstance: async () => RADIOGRAPH }, publish: async (_k, v) => void published.push(v), logger: silent, lungflowVersion: '9.9.9' });
    await handler({ key: { studyInstanceUid: '1.2.3' }, value: event() }, { topic: 't', partition: 0, offset: '0', headers: {}, attempt: 1 });
    const done = inferenceCompletedValue.parse(published[0]);
    const lesions = done.results[0]?.lesions;
    expect(lesions).toBeDefined();
    if (!lesions) return;
    const lungs = unpackMask(lesions.lungMask);
    const lesion = unpackMask(lesions.lesionMask);
    expect([lungs.width, lungs.height]).toEqual([112, 112]);
    const lungPixels = lungs.data.reduce((n, v) => n + v, 0);
    const lesionPixels = lesion.data.reduce((n, v) => n + v, 0);
    expect(lungPixels / lungs.data.length).toBeCloseTo(done.results[0]?.lungs?.areaFraction ?? -1, 6);
    expect(lesion.data.every((v, i) => v === 0 || lungs.data[i] === 1)).toBe(true); // lesion only inside the lungs
    expect(lesions.total.areaFraction).toBeCloseTo(lesionPixels / lungPixels, 9);
    expect(lesions.total.areaMm2).not.toBeNull(); // the radiograph states its Pixel Spacing
  });
});
