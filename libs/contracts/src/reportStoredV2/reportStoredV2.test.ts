import { decodeMessage, encodeMessage, reportStored, reportStoredV2, TOPICS } from '../index';

const STUDY = '1.2.826.0.1.3680043.8.498.1';
const obj = { studyInstanceUid: STUDY, seriesInstanceUid: `${STUDY}.1`, sopInstanceUid: `${STUDY}.1.1`, sopClassUid: '1.2.840.10008.5.1.4.1.1.88.22', wadoRsUrl: 'http://pacs/dicom-web/studies/1' };
const v1 = { schemaVersion: 1 as const, studyInstanceUid: STUDY, studyVersion: 1, traceId: '0123456789abcdef', sourcePacsId: 'p', priority: 'urgent' as const, sr: obj, secondaryCaptures: [], storedAt: '2026-12-02T15:00:00Z' };
const result = { modality: 'DX', model: { id: 'cxr-v1', version: '1.0.0', sha256: 'a'.repeat(64) }, decision: { className: 'covid19', threshold: 0.5, positive: true }, probabilities: { covid19: 0.8 }, analysedImages: 1 };

describe('report.stored v2', () => {
  it('is v1 plus the result, on its own topic', () => {
    expect(TOPICS.reportStoredV2.name).toBe('lungflow.report.stored.v2');
    const encoded = encodeMessage(reportStoredV2, { studyInstanceUid: STUDY }, { ...v1, schemaVersion: 2, result });
    expect(decodeMessage(reportStoredV2, encoded.key, encoded.value).value.result.decision.positive).toBe(true);
    // v1's optional fields come with it: the SEG beside SR and SC.
    const seg = { ...obj, sopClassUid: '1.2.840.10008.5.1.4.1.1.66.4' };
    const withSeg = encodeMessage(reportStoredV2, { studyInstanceUid: STUDY }, { ...v1, schemaVersion: 2, segmentations: [seg], result });
    expect(decodeMessage(reportStoredV2, withSeg.key, withSeg.value).value.segmentations).toEqual([seg]);
  });

  it('keeps lesion extent optional and bounded', () => {
    expect(() => encodeMessage(reportStoredV2, { studyInstanceUid: STUDY }, { ...v1, schemaVersion: 2, result: { ...result, lesionExtent: { affectedLungFraction: 0.2, method: 'cam' } } })).not.toThrow();
    expect(() => encodeMessage(reportStoredV2, { studyInstanceUid: STUDY }, { ...v1, schemaVersion: 2, result: { ...result, lesionExtent: { affectedLungFraction: 1.5, method: 'cam' } } })).toThrow(/affectedLungFraction/);
  });

  it('leaves v1 as it was: a v1 reader refuses a v2 value, so v2 cannot share the v1 topic', () => {
    expect(() => encodeMessage(reportStored, { studyInstanceUid: STUDY }, v1)).not.toThrow();
    const v2 = encodeMessage(reportStoredV2, { studyInstanceUid: STUDY }, { ...v1, schemaVersion: 2, result });
    expect(() => decodeMessage(reportStored, v2.key, v2.value)).toThrow(/does not match its contract/);
  });
});
