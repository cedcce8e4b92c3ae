import { readPart10Header } from '../read';
import { writePart10 } from './writePart10';
import { part10FromDataSet } from './part10FromDataSet';

describe('part10FromDataSet and readPart10Header (PS3.10 §7.1 File Meta)', () => {
  it('puts a File Meta group before data set bytes kept as they are, and reads the identifiers back', () => {
    const original = writePart10({ SOPClassUID: '1.2.840.10008.5.1.4.1.1.7', SOPInstanceUID: '1.2.3.4', StudyInstanceUID: '1.2.3', SeriesInstanceUID: '1.2.3.5', Modality: 'OT' });
    const header = readPart10Header(original);
    const dataSet = original.subarray(header.dataSetOffset);
    const rewrapped = part10FromDataSet(dataSet, header.sopClassUid, header.sopInstanceUid, header.transferSyntaxUid);
    const again = readPart10Header(rewrapped);
    expect(again).toMatchObject({ sopClassUid: '1.2.840.10008.5.1.4.1.1.7', sopInstanceUid: '1.2.3.4', studyInstanceUid: '1.2.3', seriesInstanceUid: '1.2.3.5', transferSyntaxUid: '1.2.840.10008.1.2.1' });
    expect(Buffer.from(rewrapped.subarray(again.dataSetOffset))).toEqual(Buffer.from(dataSet));
  });

  it('refuses bytes that are not Part-10', () => {
    expect(() => readPart10Header(new Uint8Array(200))).toThrow(/not a Part-10 file/);
  });
});
