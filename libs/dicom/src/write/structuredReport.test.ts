import { readPart10 } from '../read';
import { readSample, SAMPLE } from '../read/__tests__/sampleFiles';
import { analysis } from './__tests__/fixtures';
import { dciodvfy, dsrdump } from './__tests__/validators';
import { COMPREHENSIVE_3D_SR, structuredReport } from './structuredReport';

// Real sources of every kind we ingest: CR (JPEG, JPEG 2000 lossy, MONOCHROME1 without File Meta), CT.
const SOURCES = [SAMPLE.crJpegBaseline, SAMPLE.crJpeg2000Mono1, SAMPLE.crMono1NoPreamble, SAMPLE.ctSmall, SAMPLE.ctAxialIntercept1024];

describe('structuredReport (TID 1500, IHE AIR)', () => {
  it.each(SOURCES)('%s: passes dciodvfy with zero errors and dsrdump prints the tree', (sample) => {
    const source = readPart10(readSample(sample)).dataset;
    const sr = structuredReport(analysis(source));
    const check = dciodvfy(sr.part10);
    if (check.warnings.length) process.stderr.write(`dciodvfy warnings for SR of ${sample}:\n${check.warnings.join('\n')}\n`);
    expect(check.errors).toEqual([]);
    expect(check.output).toMatch(/Comprehensive3DSR/);

    const tree = dsrdump(sr.part10);
    expect(tree).toMatch(/Verification Flag\s*: UNVERIFIED/);
    expect(tree).toMatch(/<CONTAINER:\(126000,DCM,"Imaging Measurement Report"\)=SEPARATE>/);
    expect(tree).toMatch(/<contains IMAGE:/);
    expect(tree.match(/\(125007,DCM,"Measurement Group"\)/g)).toHaveLength(3);
    expect(tree.match(/\(112040,DCM,"Tracking Unique Identifier"\)="2\.25\.\d+"/g)).toHaveLength(3);
    expect(tree).toMatch(/\(121071,DCM,"Finding"\)=\(882784691000119100,SCT,"Pneumonia caused by SARS-CoV-2"\)/);
    expect(tree).toMatch(/\(C0033204,UMLS,"Probability"\)="0\.8123456789" \(1,UCUM,"no units"\)/);
    expect(tree).toMatch(/\(882784691000119100,SCT,"Pneumonia caused by SARS-CoV-2"\)=\(10828004,SCT,"Positive"\)/);
    expect(tree).toMatch(/\(111001,DCM,"Algorithm Name"\)="LungFlow CXR test model"/);
  });

  it('files under the source patient and study, in a new series, and references the source', () => {
    const source = readPart10(readSample(SAMPLE.ctSmall)).dataset;
    const sr = structuredReport(analysis(source));
    const back = readPart10(sr.part10);
    expect(back.sopClassUid).toBe(COMPREHENSIVE_3D_SR);
    for (const keyword of ['PatientName', 'PatientID', 'PatientBirthDate', 'PatientSex', 'StudyInstanceUID', 'AccessionNumber', 'StudyID']) {
      expect(back.dataset[keyword]).toEqual(source[keyword] ?? '');
    }
    expect(back.dataset.SeriesInstanceUID).not.toEqual(source.SeriesInstanceUID);
    expect(back.dataset.Modality).toBe('SR');
    expect(back.dataset.Manufacturer).toBe('LungFlow');
    const evidence = back.dataset.CurrentRequestedProcedureEvidenceSequence as Array<Record<string, unknown>>;
    expect(JSON.stringify(evidence)).toContain(String(source.SOPInstanceUID));
    const equipment = back.dataset.ContributingEquipmentSequence as Array<Record<string, unknown>>;
    expect(equipment[0]).toMatchObject({ Manufacturer: 'LungFlow', ManufacturerModelName: 'LungFlow CXR test model' });
  });

  it('derives UIDs from source and model version: same input, same UIDs; new model version, new UIDs', () => {
    const source = readPart10(readSample(SAMPLE.ctSmall)).dataset;
    const a = structuredReport(analysis(source));
    const b = structuredReport(analysis(source, { now: new Date() }));
    const c = structuredReport(analysis(source, { model: { id: 'cxr-test', name: 'x', version: '1.2.4', fileSha256: '0'.repeat(64) } }));
    expect([b.seriesInstanceUid, b.sopInstanceUid]).toEqual([a.seriesInstanceUid, a.sopInstanceUid]);
    expect(c.sopInstanceUid).not.toBe(a.sopInstanceUid);
    expect(a.sopInstanceUid).toMatch(/^2\.25\.[1-9]\d*$/);
    expect(a.sopInstanceUid.length).toBeLessThanOrEqual(64);
  });

  it('puts a SNOMED code longer than 16 characters in Long Code Value (PS3.3 §8.8)', () => {
    const sr = structuredReport(analysis(readPart10(readSample(SAMPLE.ctSmall)).dataset));
    const json = JSON.stringify(sr.dataset);
    expect(json).toContain('"LongCodeValue":"882784691000119100"');
    expect(json).not.toContain('"CodeValue":"882784691000119100"');
  });

  it('writes the decision as Negative when below the operating point, and refuses a decision on an unknown class', () => {
    const source = readPart10(readSample(SAMPLE.ctSmall)).dataset;
    const negative = dsrdump(structuredReport(analysis(source, { decision: { className: 'covid19', threshold: 0.9, positive: false } })).part10);
    expect(negative).toMatch(/=\(260385009,SCT,"Negative"\)/);
    expect(() => structuredReport(analysis(source, { decision: { className: 'flu', threshold: 0.5, positive: true } }))).toThrow(/flu/);
  });

  it('writes an indeterminate decision (a model that found no lungs) as Indeterminate, never Negative', () => {
    const source = readPart10(readSample(SAMPLE.ctSmall)).dataset;
    const indeterminate = dsrdump(structuredReport(analysis(source, { decision: { className: 'covid19', threshold: 0.5, positive: false, status: 'indeterminate' } })).part10);
    expect(indeterminate).toMatch(/=\(82334004,SCT,"Indeterminate"\)/);
    expect(indeterminate).not.toMatch(/"Negative"|"Positive"/);
  });
});
