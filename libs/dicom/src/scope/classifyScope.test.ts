import dcmjs from 'dcmjs';
import { LUNGFLOW_MANUFACTURER, LUNGFLOW_MODEL_NAME } from '../identity';
import { NY_SBU_SLICES, readSample, SAMPLE } from '../read/__tests__/sampleFiles';
import { dicomWebJsonToNaturalized } from '../read/dicomWebJsonToNaturalized';
import { readPart10 } from '../read/readPart10';
import { classifyScope } from './classifyScope';

const CR = '1.2.840.10008.5.1.4.1.1.1';
const CT = '1.2.840.10008.5.1.4.1.1.2';
const datasetOf = (file: string) => readPart10(readSample(file)).dataset;

describe('classifyScope on the real sample files', () => {
  it.each([SAMPLE.crJpeg2000Mono1, SAMPLE.crJpegBaseline, SAMPLE.crMono1NoPreamble])('%s is an in-scope chest radiograph', (file) => {
    expect(classifyScope(datasetOf(file))).toEqual({ inScope: true, kind: 'cxr', evidence: 'Modality CR; Body Part Examined says "chest"' });
  });

  it.each(NY_SBU_SLICES)('%s is an in-scope chest CT', (file) => {
    expect(classifyScope(datasetOf(file))).toMatchObject({ inScope: true, kind: 'ct' });
  });

  it('puts the head CT out by its anatomy: it has no Body Part Examined, but its CT filter is the head filter', () => {
    // 693_J2KR.dcm: no Body Part Examined, Series Description "5/5mm Plain", Filter Type "HEAD FILTER"
    expect(classifyScope(datasetOf(SAMPLE.headCtJpeg2000))).toEqual({
      inScope: false,
      reason: 'body-part',
      evidence: 'Filter Type says "head"',
    });
  });

  it('puts the enhanced CT perfusion map out by its Frame Anatomy code (SNM3 T-A0100, Brain)', () => {
    expect(classifyScope(datasetOf(SAMPLE.enhancedCtMultiFrame))).toEqual({
      inScope: false,
      reason: 'body-part',
      evidence: 'Anatomic Region code says "T-A0100"',
    });
  });

  it('does not guess when nothing names the anatomy (CT_small), unless told to accept unknown anatomy', () => {
    const dataset = datasetOf(SAMPLE.ctSmall);
    expect(classifyScope(dataset)).toMatchObject({ inScope: false, reason: 'body-part-unknown' });
    expect(classifyScope(dataset, { acceptUnknownAnatomy: true })).toMatchObject({ inScope: true, kind: 'ct' });
  });

  it('decides the same from DICOMweb metadata as from the file', () => {
    const bytes = readSample(SAMPLE.headCtJpeg2000);
    const dict = dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    delete dict.dict['7FE00010'];
    const fromJson = dicomWebJsonToNaturalized(JSON.parse(JSON.stringify(dict.dict)));
    expect(classifyScope(fromJson)).toEqual(classifyScope(datasetOf(SAMPLE.headCtJpeg2000)));
  });
});

describe('classifyScope rules', () => {
  const chestCr = { SOPClassUID: CR, Modality: 'CR', BodyPartExamined: 'CHEST' };

  it("recognises LungFlow's own output by equipment identity, not by description", () => {
    const ours = { SOPClassUID: '1.2.840.10008.5.1.4.1.1.88.33', Modality: 'SR', Manufacturer: LUNGFLOW_MANUFACTURER, ManufacturerModelName: LUNGFLOW_MODEL_NAME };
    expect(classifyScope(ours)).toMatchObject({ inScope: false, reason: 'lungflow-output' });
    const contributed = { ...chestCr, ContributingEquipmentSequence: [{ Manufacturer: LUNGFLOW_MANUFACTURER, ManufacturerModelName: LUNGFLOW_MODEL_NAME }] };
    expect(classifyScope(contributed)).toMatchObject({ inScope: false, reason: 'lungflow-output' });
    // a description that mentions LungFlow proves nothing
    expect(classifyScope({ ...chestCr, SeriesDescription: 'LungFlow chest triage' })).toMatchObject({ inScope: true });
  });

  it('puts SOP classes without images out (Comprehensive SR, Key Object Selection)', () => {
    for (const sopClass of ['1.2.840.10008.5.1.4.1.1.88.33', '1.2.840.10008.5.1.4.1.1.88.59']) {
      expect(classifyScope({ ...chestCr, SOPClassUID: sopClass })).toMatchObject({ inScope: false, reason: 'not-an-image' });
    }
  });

  it('refuses Modality CT in a Secondary Capture (dose sheets) but accepts a digitised chest film', () => {
    expect(classifyScope({ SOPClassUID: '1.2.840.10008.5.1.4.1.1.7', Modality: 'CT', StudyDescription: 'CT CHEST' })).toMatchObject({
      inScope: false,
      reason: 'not-an-image',
    });
    expect(classifyScope({ ...chestCr, SOPClassUID: '1.2.840.10008.5.1.4.1.1.7' })).toMatchObject({ inScope: true, kind: 'cxr' });
  });

  it('takes CR, DX and CT only', () => {
    expect(classifyScope({ ...chestCr, Modality: 'DX', SOPClassUID: '1.2.840.10008.5.1.4.1.1.1.1' })).toMatchObject({ inScope: true, kind: 'cxr' });
    expect(classifyScope({ ...chestCr, Modality: 'MR', SOPClassUID: '1.2.840.10008.5.1.4.1.1.4' })).toMatchObject({ inScope: false, reason: 'modality' });
  });

  it('puts CT localizers out', () => {
    expect(classifyScope({ SOPClassUID: CT, Modality: 'CT', BodyPartExamined: 'CHEST', ImageType: ['ORIGINAL', 'PRIMARY', 'LOCALIZER'] })).toMatchObject({
      inScope: false,
      reason: 'localizer',
    });
  });

  it.each([
    [{ StudyDescription: 'CT CHEST ABD PELVIS W CONTRAST' }, true],
    [{ StudyDescription: 'RX Tórax PA y lateral' }, true],
    [{ ProtocolName: 'Thorax/HRCT' }, true],
    [{ StudyDescription: 'CT HEAD WO CONTRAST' }, false],
    [{ SeriesDescription: 'Brain 5mm' }, false],
    [{ StudyDescription: 'CT ABDOMEN PELVIS' }, false],
    [{ StudyDescription: 'TRAUMA HEAD', SeriesDescription: 'CHEST 1.25mm' }, true],
    [{ StudyDescription: 'CT CHEST', SeriesDescription: 'C-SPINE SAG' }, false],
    [{ BodyPartExamined: 'HEAD', StudyDescription: 'CT CHEST' }, false],
    [{ BodyPartExamined: 'CHEST', SeriesDescription: 'head holder' }, true],
  ])('CT with %j: in scope %s (most specific attribute wins)', (attributes, inScope) => {
    expect(classifyScope({ SOPClassUID: CT, Modality: 'CT', ...attributes }).inScope).toBe(inScope);
  });

  it('puts CT series with too few slices out when the caller knows the count', () => {
    const chestCt = { SOPClassUID: CT, Modality: 'CT', BodyPartExamined: 'CHEST' };
    expect(classifyScope(chestCt, { seriesInstanceCount: 3, minCtSlices: 10 })).toMatchObject({ inScope: false, reason: 'too-few-slices' });
    expect(classifyScope(chestCt, { seriesInstanceCount: 40, minCtSlices: 10 })).toMatchObject({ inScope: true });
  });

  it('puts lateral radiographs out (PS3.3 C.8.11.5 View Position), keeps frontal and unknown views', () => {
    const chestCr = { SOPClassUID: CR, Modality: 'CR', BodyPartExamined: 'CHEST' };
    for (const view of ['LL', 'RL', 'LATERAL', 'lat']) {
      expect(classifyScope({ ...chestCr, ViewPosition: view })).toMatchObject({ inScope: false, reason: 'not-frontal' });
    }
    for (const view of ['PA', 'AP', undefined]) expect(classifyScope({ ...chestCr, ViewPosition: view }).inScope).toBe(true);
    // View Position is a radiograph attribute: a CT slice is never judged by it.
    expect(classifyScope({ SOPClassUID: CT, Modality: 'CT', BodyPartExamined: 'CHEST', ViewPosition: 'LL' }).inScope).toBe(true);
  });
});
