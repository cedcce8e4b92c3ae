import { deflateRawSync } from 'node:zlib';
import { isDicomError } from '../errors';
import { readFileMeta } from './fileMeta';
import { readSample, SAMPLE } from './__tests__/sampleFiles';

/** PS3.10 §7.1: 128-byte preamble, "DICM", then the File Meta group, whose first element is its length (UL). */
describe('readFileMeta', () => {
  it('reads the UIDs of a real Part-10 file and where its data set starts', () => {
    const bytes = readSample(SAMPLE.ctSmall);
    const meta = readFileMeta(bytes);
    expect(meta.sopClassUid).toBe('1.2.840.10008.5.1.4.1.1.2');
    expect(meta.sopInstanceUid).toMatch(/^[0-9.]+$/);
    expect(meta.transferSyntaxUid).toMatch(/^1\.2\.840\.10008\.1\.2/);
    expect(bytes[meta.dataSetOffset]).toBe(0x08); // the data set opens with group 0008
  });

  it('reads a deflated file without inflating its data set (a bomb costs nothing here)', () => {
    const real = readSample(SAMPLE.ctSmall);
    const head = real.subarray(0, readFileMeta(real).dataSetOffset);
    const bomb = Buffer.concat([head, deflateRawSync(Buffer.alloc(64 * 1024 * 1024))]);
    const started = performance.now();
    expect(readFileMeta(bomb).sopInstanceUid).toBe(readFileMeta(real).sopInstanceUid);
    expect(performance.now() - started).toBeLessThan(50);
  });

  it.each([
    ['an empty file', Buffer.alloc(0), 'DICOM_TRUNCATED'],
    ['no DICM prefix', Buffer.alloc(200), 'DICOM_MALFORMED'],
    ['DICM without a group length', Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), Buffer.alloc(20)]), 'DICOM_MALFORMED'],
  ])('refuses %s with a DicomError', (_what, bytes, code) => {
    expect(() => readFileMeta(bytes)).toThrow(expect.objectContaining({ code }));
  });

  it('refuses a group length past the end, and an element running past the group', () => {
    const real = Buffer.from(readSample(SAMPLE.ctSmall));
    const beyond = Buffer.from(real.subarray(0, 400));
    beyond.writeUInt32LE(0x7ffffff0, 140);
    expect(() => readFileMeta(beyond)).toThrow(expect.objectContaining({ code: 'DICOM_TRUNCATED' }));
    const short = Buffer.from(real);
    short.writeUInt32LE(10, 140); // the group "ends" inside its first element
    let error: unknown;
    try {
      readFileMeta(short);
    } catch (e) {
      error = e;
    }
    expect(isDicomError(error) && error.code).toBe('DICOM_MALFORMED');
  });
});
