import type { ReportStoredV2 } from '@lungflow/contracts';

/** A report.stored v2 value for unit tests of the outputs. */
export function storedResult(overrides: Partial<ReportStoredV2> = {}): ReportStoredV2 {
  const obj = (sop: string) => ({ studyInstanceUid: '1.2.3', seriesInstanceUid: '1.2.3.4', sopInstanceUid: sop, sopClassUid: '1.2.840.10008.5.1.4.1.1.88.22', wadoRsUrl: `http://pacs/dicom-web/studies/1.2.3/series/1.2.3.4/instances/${sop}` });
  return {
    schemaVersion: 2,
    studyInstanceUid: '1.2.3',
    studyVersion: 1,
    traceId: '0123456789abcdef',
    sourcePacsId: 'orthanc-local',
    priority: 'urgent',
    sr: obj('1.2.3.4.5'),
    secondaryCaptures: [obj('1.2.3.4.6')],
    storedAt: '2026-12-02T15:00:00.000Z',
    result: {
      modality: 'DX',
      model: { id: 'cxr-v1', version: '1.0.0', sha256: 'a'.repeat(64) },
      decision: { className: 'covid19', threshold: 0.5, positive: true },
      probabilities: { covid19: 0.8125, other_pneumonia: 0.125, no_finding: 0.0625 },
      analysedImages: 1,
    },
    ...overrides,
  };
}
