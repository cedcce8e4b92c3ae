import { readPart10 } from '../read';
import { readSample, SAMPLE } from '../read/__tests__/sampleFiles';
import { analysis, lesionFindings } from './__tests__/fixtures';
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

describe('structuredReport with lesion findings (measurements anchored to the image)', () => {
  const SOURCES_WITH_LESIONS = [SAMPLE.crJpegBaseline, SAMPLE.crJpeg2000Mono1, SAMPLE.crMono1NoPreamble, SAMPLE.ctSmall];
  const refs = { heatmap: { seriesInstanceUid: '2.25.11', sopInstanceUid: '2.25.12' }, segmentation: { seriesInstanceUid: '2.25.21', sopInstanceUid: '2.25.22' } };

  it.each(SOURCES_WITH_LESIONS)('%s: passes dciodvfy with zero errors; dsrdump shows the anchored groups', (sample) => {
    const source = readPart10(readSample(sample)).dataset;
    const sr = structuredReport(analysis(source, { lesions: lesionFindings() }), refs);
    const check = dciodvfy(sr.part10);
    if (check.warnings.length) process.stderr.write(`dciodvfy warnings for lesion SR of ${sample}:\n${check.warnings.join('\n')}\n`);
    expect(check.errors).toEqual([]);
    const tree = dsrdump(sr.part10);
    // 3 classes + both lungs, right, left, 6 zones + severity + 1 clinical prediction with a value (LDH is null) + outline.
    expect(tree.match(/\(125007,DCM,"Measurement Group"\)/g)).toHaveLength(3 + 9 + 1 + 1 + 1);
    expect(tree).toMatch(/\(LESFRAC,99LUNGFLOW,"Lesion area fraction of lung region"\)="9\.26" \(%,UCUM,"percent"\)/);
    expect(tree).toMatch(/\(42798000,SCT,"Area"\)="1234\.5" \(mm2,UCUM,"square millimeter"\)/);
    expect(tree).toMatch(/\(BRIXIA,99LUNGFLOW,"Brixia score"\)="4\.5" \(\{score\},UCUM,"score"\)/);
    expect(tree).toMatch(/\(COHENEXT,99LUNGFLOW,"Geographic extent score \(Cohen et al\.\)"\)="2\.5"/);
    expect(tree).toMatch(/\(COHENOPA,99LUNGFLOW,"Opacity score \(Cohen et al\.\)"\)="1\.75"/);
    expect(tree).toMatch(/\(CLIN-crp,99LUNGFLOW,"Predicted C-reactive protein"\)="42\.5" \(mg\/L,UCUM,"mg\/L"\)/);
    expect(tree).not.toMatch(/Lactate dehydrogenase/);
    expect(tree).toMatch(/\(C0033204,UMLS,"Probability"\)="0\.8123456789" \(1,UCUM,"no units"\)/);
    expect(tree).toMatch(/\(121191,DCM,"Referenced Segment"\)/);
    expect(tree).toMatch(/\(121080,DCM,"Best illustration of finding"\)/);
  });

  it('gives every NUM a SCOORD POINT at the CAM peak in pixel coordinates, SELECTED FROM the source image', () => {
    const source = readPart10(readSample(SAMPLE.crJpegBaseline)).dataset;
    const lesions = lesionFindings();
    const sr = structuredReport(analysis(source, { lesions }), refs);
    const nums: Array<Record<string, unknown>> = [];
    const walk = (items: unknown): void => {
      for (const item of (items as Array<Record<string, unknown>>) ?? []) {
        if (item.ValueType === 'NUM') nums.push(item);
        if (item.ContentSequence) walk(item.ContentSequence);
      }
    };
    walk(sr.dataset.ContentSequence);
    expect(nums.length).toBeGreaterThan(20);
    for (const num of nums) {
      const [scoord] = num.ContentSequence as Array<Record<string, unknown>>;
      expect(scoord).toMatchObject({ RelationshipType: 'INFERRED FROM', ValueType: 'SCOORD', GraphicType: 'POINT' });
      const [x, y] = scoord?.GraphicData as number[];
      expect(x).toBeCloseTo((30.5 / 112) * (source.Columns as number), 3);
      expect(y).toBeCloseTo((72.5 / 112) * (source.Rows as number), 3);
      const [image] = scoord?.ContentSequence as Array<Record<string, unknown>>;
      expect(image).toMatchObject({ RelationshipType: 'SELECTED FROM', ValueType: 'IMAGE' });
      expect((image?.ReferencedSOPSequence as Array<Record<string, unknown>>)[0]).toMatchObject({ ReferencedSOPInstanceUID: source.SOPInstanceUID });
    }
    // Every Measurement Group also carries its SCOORD at the top (where OHIF's SR display and the adapters look first).
    const measurements = (sr.dataset.ContentSequence as Array<Record<string, unknown>>).find((i) => JSON.stringify(i.ConceptNameCodeSequence).includes('126010'));
    for (const group of measurements?.ContentSequence as Array<Record<string, unknown>>) {
      const scoord = (group.ContentSequence as Array<Record<string, unknown>>).find((i) => i.ValueType === 'SCOORD');
      expect(scoord).toMatchObject({ RelationshipType: 'CONTAINS' });
      const [image] = scoord?.ContentSequence as Array<Record<string, unknown>>;
      expect((image?.ReferencedSOPSequence as Array<Record<string, unknown>>)[0]).toMatchObject({ ReferencedSOPInstanceUID: source.SOPInstanceUID });
    }
    const back = readPart10(sr.part10).dataset;
    expect(JSON.stringify(back.PertinentOtherEvidenceSequence)).toContain('2.25.12');
    expect(JSON.stringify(back.PertinentOtherEvidenceSequence)).toContain('2.25.22');
  });

  it('draws the lesion as its outline: a closed POLYLINE along the mask cells, scaled from the model grid to the image', () => {
    const source = readPart10(readSample(SAMPLE.crJpegBaseline)).dataset;
    const sr = structuredReport(analysis(source, { lesions: lesionFindings() }));
    const measurements = (sr.dataset.ContentSequence as Array<Record<string, unknown>>).find((i) => JSON.stringify(i.ConceptNameCodeSequence).includes('126010'));
    const groups = measurements?.ContentSequence as Array<Record<string, unknown>>;
    const outlineGroup = groups.find((g) => JSON.stringify(g.ContentSequence).includes('"LungFlow lesion outline 1"'));
    // The fixture's lesion is one region: one outline group.
    expect(groups.filter((g) => JSON.stringify(g.ContentSequence).includes('LungFlow lesion outline'))).toHaveLength(1);
    const items = outlineGroup?.ContentSequence as Array<Record<string, unknown>>;
    expect(items.filter((i) => i.ValueType === 'NUM')).toHaveLength(0);
    const [scoord] = items.filter((i) => i.ValueType === 'SCOORD');
    expect(scoord).toMatchObject({ RelationshipType: 'CONTAINS', GraphicType: 'POLYLINE' });
    const points = scoord?.GraphicData as number[];
    const sx = (source.Columns as number) / 112;
    const sy = (source.Rows as number) / 112;
    // The fixture's L-shaped lesion (cells x 20..39, y 60..83 without x >= 34, y < 66): 6 corners, then closed.
    const expected = [20, 60, 34, 60, 34, 66, 40, 66, 40, 84, 20, 84, 20, 60].map((v, i) => (i % 2 === 0 ? v * sx : v * sy));
    expect(points).toHaveLength(expected.length);
    points.forEach((p, i) => expect(p).toBeCloseTo(expected[i] as number, 2));
  });

  it('outlines every lesion region in its own group (largest first, Referenced Segment on each); dciodvfy zero errors', () => {
    const source = readPart10(readSample(SAMPLE.crJpegBaseline)).dataset;
    const base = lesionFindings();
    // A second lesion in the left lung (a 4×3 block) and a third, one cell, beside the first.
    const lesionMask = Uint8Array.from(base.lesionMask.data);
    for (let y = 30; y < 33; y += 1) for (let x = 70; x < 74; x += 1) lesionMask[y * 112 + x] = 1;
    lesionMask[50 * 112 + 45] = 1;
    const sr = structuredReport(analysis(source, { lesions: { ...base, lesionMask: { ...base.lesionMask, data: lesionMask } } }), refs);
    expect(dciodvfy(sr.part10).errors).toEqual([]);
    const measurements = (sr.dataset.ContentSequence as Array<Record<string, unknown>>).find((i) => JSON.stringify(i.ConceptNameCodeSequence).includes('126010'));
    const outlineGroups = (measurements?.ContentSequence as Array<Record<string, unknown>>).filter((g) => JSON.stringify(g.ContentSequence).includes('LungFlow lesion outline'));
    const scoordOf = (g: Record<string, unknown>) => (g.ContentSequence as Array<Record<string, unknown>>).find((i) => i.ValueType === 'SCOORD');
    const ids = outlineGroups.map((g) => (g.ContentSequence as Array<Record<string, unknown>>).find((i) => i.ValueType === 'TEXT')?.TextValue);
    expect(ids).toEqual(['LungFlow lesion outline 1', 'LungFlow lesion outline 2', 'LungFlow lesion outline 3']);
    const sx = (source.Columns as number) / 112;
    const sy = (source.Rows as number) / 112;
    const scaled = (points: number[]) => points.map((v, i) => (i % 2 === 0 ? v * sx : v * sy));
    const expectClose = (actual: unknown, expected: number[]) => {
      expect(actual as number[]).toHaveLength(expected.length);
      (actual as number[]).forEach((p, i) => expect(p).toBeCloseTo(expected[i] as number, 2));
    };
    expectClose(scoordOf(outlineGroups[1] as Record<string, unknown>)?.GraphicData, scaled([70, 30, 74, 30, 74, 33, 70, 33, 70, 30]));
    expectClose(scoordOf(outlineGroups[2] as Record<string, unknown>)?.GraphicData, scaled([45, 50, 46, 50, 46, 51, 45, 51, 45, 50]));
    for (const g of outlineGroups) expect(JSON.stringify(g.ContentSequence)).toContain('"ReferencedSegmentNumber":2');
  });

  it('leaves out mm² when the spacing is unknown and the severity group when no score model exists', () => {
    const source = readPart10(readSample(SAMPLE.crJpegBaseline)).dataset;
    const lesions = lesionFindings({
      total: { areaFraction: 0.5, areaMm2: null },
      lungs: { right: { areaFraction: 0.5, areaMm2: null }, left: { areaFraction: 0.5, areaMm2: null } },
      severity: { extent: null, opacity: null, brixiaGlobal: null },
      clinical: [],
      peak: null,
    });
    const zones = Object.fromEntries(Object.entries(lesions.zones).map(([k, z]) => [k, { ...z, brixia: null }]));
    const tree = dsrdump(structuredReport(analysis(source, { lesions: { ...lesions, zones: zones as typeof lesions.zones } })).part10);
    expect(tree).not.toMatch(/mm2|score\)|\(42798000/);
    expect(tree.match(/\(125007,DCM,"Measurement Group"\)/g)).toHaveLength(3 + 9 + 1);
    // Without a peak the values refer to the whole image: a closed POLYLINE around it.
    expect(tree).toMatch(/SCOORD:.*=\(POLYLINE,/);
  });

  it('anchors the class probabilities of a result without lesions to the whole image (no NUM without content)', () => {
    const source = readPart10(readSample(SAMPLE.crJpegBaseline)).dataset;
    const sr = structuredReport(analysis(source));
    const tree = dsrdump(sr.part10);
    expect(tree).toMatch(/SCOORD:.*=\(POLYLINE,/);
    expect(tree).not.toMatch(/LESFRAC|99LUNGFLOW/);
    expect(sr.dataset.PertinentOtherEvidenceSequence).toBeUndefined();
  });
});

describe('structuredReport with CT lung quantification', () => {
  const ct = {
    lungs: { method: 'Classical lung segmentation in Hounsfield units.', volumeMl: 4321.5, slices: 40, slicesWithLungs: 36 },
    lesions: { supervision: 'CAM-based estimate, not a lesion segmentation', volumeFraction: 0.125, volumeMl: 540.2 },
  };

  it('adds one group with the lung volume in mL and the CAM-based involvement, passing dciodvfy with zero errors', () => {
    const source = readPart10(readSample(SAMPLE.ctSmall)).dataset;
    const sr = structuredReport(analysis(source, { ctLungs: ct }));
    expect(dciodvfy(sr.part10).errors).toEqual([]);
    const tree = dsrdump(sr.part10);
    expect(tree).toMatch(/\(LUNGVOL,99LUNGFLOW,"Lung volume \(CT, classical HU segmentation\)"\)="4321\.5" \(mL,UCUM,"milliliter"\)/);
    expect(tree).toMatch(/\(CTINVFRAC,99LUNGFLOW,"Involved share of lung volume \(CAM-based estimate\)"\)="12\.5" \(%,UCUM,"percent"\)/);
    const texts = JSON.stringify(sr.dataset.ContentSequence); // dsrdump shortens TEXT values
    expect(texts).toContain('involvement: CAM-based estimate, not a lesion segmentation');
    expect(texts).toContain('36 of 40 slices with lungs');
  });

  it('leaves the volumes out when the spacing gave none, keeping the share', () => {
    const source = readPart10(readSample(SAMPLE.ctSmall)).dataset;
    const tree = dsrdump(structuredReport(analysis(source, { ctLungs: { lungs: { ...ct.lungs, volumeMl: null }, lesions: { ...ct.lesions, volumeMl: null } } })).part10);
    expect(tree).not.toMatch(/LUNGVOL|CTINVVOL/);
    expect(tree).toMatch(/CTINVFRAC/);
  });
});
