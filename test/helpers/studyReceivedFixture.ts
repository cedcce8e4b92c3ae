import type { StudyReceived } from '@lungflow/contracts';

/** A valid `study.received` value with one DX instance, for tests of the consumer policy. */
export function studyReceivedFixture(studyInstanceUid: string, traceId = 'trace-0001'): StudyReceived {
  return {
    schemaVersion: 1,
    studyInstanceUid,
    studyVersion: 1,
    contentHash: 'c'.repeat(64),
    modalities: ['DX'],
    bodyParts: [],
    instanceCount: 1,
    series: [{ seriesInstanceUid: '1.2.3', modality: 'DX', kind: 'cxr', instanceCount: 1, wadoRsUrl: 'http://p/s', instances: [{ sopInstanceUid: '1.2.4', sopClassUid: '1.2.840.10008.5.1.4.1.1.1.1', numberOfFrames: 1, wadoRsUrl: 'http://p/i' }] }],
    wadoRsUrl: 'http://p/st',
    receivedAt: '2026-11-26T15:00:00.000Z',
    sourcePacsId: 'test',
    source: 'qido',
    traceId,
  };
}
