import type { InferenceCompleted, ReportStoredV2 } from '@lungflow/contracts';
import type { DicomJson } from '@lungflow/dicomweb';
import { entryOf } from './WorklistRebuild';
import { deviceFromPacs } from './sourceDevice';

const STUDY = '2.25.1001';
const object = (sop: string, sopClassUid: string) => ({ studyInstanceUid: STUDY, seriesInstanceUid: `${STUDY}.9`, sopInstanceUid: sop, sopClassUid, wadoRsUrl: `http://pacs/dicom-web/studies/${STUDY}/series/${STUDY}.9/instances/${sop}` });
const decision = { className: 'covid19', threshold: 0.5, positive: true };
const model = { id: 'cxr-v1', version: '1.0.0', sha256: 'a'.repeat(64) };
const event: InferenceCompleted = {
  schemaVersion: 1,
  studyInstanceUid: STUDY,
  studyVersion: 1,
  traceId: '0123456789abcdef',
  sourcePacsId: 'pacs-a',
  results: [{ seriesInstanceUid: `${STUDY}.1`, sopInstanceUid: `${STUDY}.1.1`, frame: 1, model, probabilities: { covid19: 0.8 }, decision }],
  aggregate: { method: 'max', probabilities: { covid19: 0.8 }, decision, analysedImages: 1 },
  provenance: { lungflowVersion: '0.1.0', startedAt: '2026-12-03T01:00:00.000Z', finishedAt: '2026-12-03T01:00:01.000Z' },
};
const stored = (segmentations?: ReportStoredV2['segmentations']): ReportStoredV2 => ({
  schemaVersion: 2,
  studyInstanceUid: STUDY,
  studyVersion: 1,
  traceId: event.traceId,
  sourcePacsId: 'pacs-a',
  priority: 'urgent',
  sr: object(`${STUDY}.9.1`, '1.2.840.10008.5.1.4.1.1.88.34'),
  secondaryCaptures: [object(`${STUDY}.9.2`, '1.2.840.10008.5.1.4.1.1.7')],
  ...(segmentations ? { segmentations } : {}),
  storedAt: '2026-12-03T01:00:02.000Z',
  result: { modality: 'DX', model, decision, probabilities: { covid19: 0.8 }, analysedImages: 1 },
});

describe('entryOf (the rebuilt worklist entry, issue 16 item 6)', () => {
  it('links the SEG that report.stored names, as the handler does', () => {
    const seg = object(`${STUDY}.9.3`, '1.2.840.10008.5.1.4.1.1.66.4');
    expect(entryOf(stored([seg]), event).seg).toEqual(seg);
    expect(entryOf(stored(), event)).not.toHaveProperty('seg');
  });
});

describe('deviceFromPacs', () => {
  it('asks the PACS the study came from for the drawn image’s Manufacturer and Model Name only', async () => {
    const asked: Array<{ pacs: string; query: Record<string, unknown>; study?: string }> = [];
    const answer: DicomJson = { '00080070': { vr: 'LO', Value: ['ACME'] }, '00081090': { vr: 'LO', Value: ['DR-1'] } } as DicomJson;
    const pacsNamed = (name: string) => ({
      dicomWebUrl: `http://${name}/dicom-web`,
      searchInstances: async (query: Record<string, unknown>, study?: string) => (asked.push({ pacs: name, query, study }), name === 'pacs-a' ? [answer] : []),
    });
    const pacs = { ...pacsNamed('default'), forPacs: (id: string) => pacsNamed(id) } as unknown as Parameters<typeof deviceFromPacs>[0];
    const device = deviceFromPacs(pacs);
    expect(await device({ sourcePacsId: 'pacs-a', studyInstanceUid: STUDY, seriesInstanceUid: `${STUDY}.1`, sopInstanceUid: `${STUDY}.1.1` })).toBe('ACME DR-1');
    expect(asked[0]).toEqual({ pacs: 'pacs-a', study: STUDY, query: { SeriesInstanceUID: `${STUDY}.1`, SOPInstanceUID: `${STUDY}.1.1`, includefield: ['00080070', '00081090'] } });
    expect(await device({ sourcePacsId: 'pacs-b', studyInstanceUid: STUDY, seriesInstanceUid: `${STUDY}.1`, sopInstanceUid: `${STUDY}.1.1` })).toBeUndefined();
  });
});
