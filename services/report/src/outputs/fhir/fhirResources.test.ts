import { storedResult } from '../testFixtures';
import { diagnosticReport, imagingStudy, observations, resultIdentifier } from './fhirResources';

const context = { accessionNumber: 'ACC1', patientId: 'P-1', patientName: 'Doe^Jane' };

describe('FHIR R4 resources of one result', () => {
  it('identifies a result by study, model and study version, so a re-run finds it', () => {
    expect(resultIdentifier(storedResult())).toEqual({ system: 'urn:lungflow:result', value: '1.2.3/cxr-v1/1.0.0/v1' });
    expect(resultIdentifier(storedResult({ studyVersion: 2 })).value).toBe('1.2.3/cxr-v1/1.0.0/v2');
  });

  it('ImagingStudy by the study UID (urn:dicom:uid, urn:oid:), with the accession number', () => {
    const study = imagingStudy(storedResult(), context);
    expect(study.identifier).toEqual({ system: 'urn:dicom:uid', value: 'urn:oid:1.2.3' });
    expect(study.resource.identifier).toContainEqual(expect.objectContaining({ value: 'ACC1' }));
    expect(study.resource.subject).toEqual({ identifier: { value: 'P-1' }, display: 'Doe Jane' });
  });

  it('one decision Observation and one per class probability; lesion extent only when present', () => {
    const list = observations(storedResult(), context, 'ImagingStudy/7');
    expect(list.map((o) => o.identifier.value)).toEqual([
      '1.2.3/cxr-v1/1.0.0/v1/decision',
      '1.2.3/cxr-v1/1.0.0/v1/probability/covid19',
      '1.2.3/cxr-v1/1.0.0/v1/probability/no_finding',
      '1.2.3/cxr-v1/1.0.0/v1/probability/other_pneumonia',
    ]);
    expect(list[0]?.resource.interpretation).toEqual([{ coding: [expect.objectContaining({ code: 'POS' })] }]);
    expect(list[1]?.resource.valueQuantity).toEqual(expect.objectContaining({ value: 0.8125, code: '1' }));
    const base = storedResult();
    const withExtent = observations(storedResult({ result: { ...base.result, lesionExtent: { affectedLungFraction: 0.3, method: 'cam' } } }), context, 'ImagingStudy/7');
    expect(withExtent.at(-1)?.identifier.value).toBe('1.2.3/cxr-v1/1.0.0/v1/lesion-extent');
  });

  it('the DiagnosticReport links the ImagingStudy and the Observations and carries the priority and the notice', () => {
    const report = diagnosticReport(storedResult(), context, 'ImagingStudy/7', ['Observation/1', 'Observation/2']);
    expect(report.resource.imagingStudy).toEqual([{ reference: 'ImagingStudy/7' }]);
    expect(report.resource.result).toEqual([{ reference: 'Observation/1' }, { reference: 'Observation/2' }]);
    expect(report.resource.meta).toEqual({ tag: [expect.objectContaining({ system: 'urn:lungflow:priority', code: 'urgent' })] });
    expect(report.resource.status).toBe('preliminary');
    expect(String(report.resource.conclusion)).toMatch(/triage aid/);
  });
});
