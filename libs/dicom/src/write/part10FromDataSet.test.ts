import { DicomError, isDicomError } from '../errors';
import { TRANSFER_SYNTAX, readPart10Header } from '../read';
import { deflatedInstance } from '../read/__tests__/deflated';
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

describe('readPart10Header of a Deflated data set (PS3.5 §A.5; issue 16: deflate bombs through DIMSE)', () => {
  it('reads the UIDs of an ordinary deflated image', () => {
    const image = deflatedInstance(256, 256, { fill: 'noise' });
    expect(readPart10Header(image.part10)).toMatchObject({ sopInstanceUid: image.sopInstanceUid, studyInstanceUid: image.studyInstanceUid, transferSyntaxUid: TRANSFER_SYNTAX.deflatedExplicitLittle });
  });

  it('refuses a 64 MiB deflate bomb with DICOM_TOO_LARGE, inflating no more than its cap', () => {
    const bomb = deflatedInstance(4_096, 8_192);
    expect(bomb.inflatedBytes).toBeGreaterThan(64 * 1024 * 1024);
    expect(bomb.part10.length).toBeLessThan(200 * 1024); // ~1,000:1
    const before = process.memoryUsage().arrayBuffers;
    let error: unknown;
    try {
      readPart10Header(bomb.part10);
    } catch (e) {
      error = e;
    }
    expect(isDicomError(error, 'DICOM_TOO_LARGE') && error.message).toMatch(/inflates beyond \d+ bytes, more than 100:1 .*deflate bomb/);
    // zlib stopped at the cap (100 × the deflated size, ~7 MB), so no 64 MiB buffer was ever held
    expect((error as DicomError).details).toMatchObject({ maxInflatedBytes: expect.any(Number) });
    expect((error as DicomError).details.maxInflatedBytes).toBeLessThan(10 * 1024 * 1024);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(32 * 1024 * 1024);
  });

  it('refuses a deflated data set over an absolute cap whatever its ratio', () => {
    const image = deflatedInstance(256, 256, { fill: 'noise' });
    expect(() => readPart10Header(image.part10, { maxInflatedBytes: 64 * 1024 })).toThrow(expect.objectContaining({ code: 'DICOM_TOO_LARGE' }));
  });
});
