import { readPart10, reviewReport, type ReviewResult } from '@lungflow/dicom';
import { REVIEW_LABELS } from './labels';
import { reviewFromSr } from './reviewFromSr';

const source = { SOPClassUID: '1.2.840.10008.5.1.4.1.1.1.1', SOPInstanceUID: '2.25.71.1.1', StudyInstanceUID: '2.25.71', SeriesInstanceUID: '2.25.71.1', Modality: 'DX', Rows: 2, Columns: 2 };
const review = (overrides: Partial<ReviewResult>): ReviewResult => ({
  source,
  reviewer: { username: 'dr.a', displayName: 'A^Doctor' },
  revision: 1,
  label: REVIEW_LABELS.other_pneumonia.code,
  agreesWithModel: false,
  modelSr: { sopClassUid: '1.2.840.10008.5.1.4.1.1.88.34', sopInstanceUid: '2.25.71.90.1', seriesInstanceUid: '2.25.71.90' },
  lesionMask: { rows: 2, columns: 2, data: new Uint8Array(4) },
  softwareVersion: '0.1.0',
  now: new Date(Date.UTC(2026, 11, 3)),
  ...overrides,
});
const written = (r: ReviewResult) => readPart10(reviewReport(r, { seriesInstanceUid: '2.25.71.92', sopInstanceUid: '2.25.71.92.1' }).part10).dataset;

describe('reviewFromSr (a review summary read back from its SR after Redis lost it)', () => {
  it('reads the label, the agreement and the reviewed model SR that reviewReport wrote, through Part-10 bytes', () => {
    expect(reviewFromSr(written(review({})))).toEqual({ label: 'other_pneumonia', agreesWithModel: false, modelSrSopInstanceUid: '2.25.71.90.1' });
    expect(reviewFromSr(written(review({ label: REVIEW_LABELS.covid19.code, agreesWithModel: true })))).toMatchObject({ label: 'covid19', agreesWithModel: true });
    expect(reviewFromSr(written(review({ label: REVIEW_LABELS.indeterminate.code })))?.label).toBe('indeterminate');
  });

  it('guesses nothing from an SR without LungFlow’s review codes', () => {
    const dataset = written(review({}));
    const withoutAgreement = { ...dataset, ContentSequence: JSON.parse(JSON.stringify(dataset.ContentSequence).replace(/AIAGREE/g, 'OTHER')) as unknown };
    expect(reviewFromSr(withoutAgreement)).toBeUndefined();
    expect(reviewFromSr({ ...dataset, ContentSequence: [] })).toBeUndefined();
  });
});
