import { deflateRawSync } from 'zlib';
import { isDicomError } from '../errors';
import { NY_SBU_SLICES, readSample, SAMPLE } from './__tests__/sampleFiles';
import { attr } from './attr';
import { readPart10 } from './readPart10';
import { TRANSFER_SYNTAX } from './transferSyntax';

describe('readPart10 on the real sample files', () => {
  it('reads a file without preamble or File Meta as Implicit VR Little Endian (PS3.5 10.1 default syntax)', () => {
    const instance = readPart10(readSample(SAMPLE.crMono1NoPreamble));
    expect(instance.transferSyntaxUid).toBe(TRANSFER_SYNTAX.implicitLittle);
    expect(attr.string(instance.dataset, 'Modality')).toBe('CR');
    expect(attr.string(instance.dataset, 'PhotometricInterpretation')).toBe('MONOCHROME1');
    expect(attr.number(instance.dataset, 'BitsStored')).toBe(10);
    expect(instance.pixelData).toMatchObject({ encapsulated: false });
    // 440 × 440 pixels of 2 bytes
    expect(instance.pixelData?.encapsulated === false && instance.pixelData.buffers[0].byteLength).toBe(440 * 440 * 2);
  });

  it('joins the fragments of a single JPEG 2000 frame that has no Basic Offset Table (PS3.5 A.4)', () => {
    const instance = readPart10(readSample(SAMPLE.crJpeg2000Mono1));
    expect(instance.transferSyntaxUid).toBe(TRANSFER_SYNTAX.jpeg2000);
    const pixels = instance.pixelData;
    expect(pixels?.encapsulated).toBe(true);
    if (pixels?.encapsulated !== true) return;
    expect(pixels.frames).toHaveLength(1);
    // the joined frame starts with the J2K codestream SOC marker FF4F
    expect([pixels.frames[0][0], pixels.frames[0][1]]).toEqual([0xff, 0x4f]);
  });

  it('keeps native multi-frame pixel data and the per-frame functional groups', () => {
    const instance = readPart10(readSample(SAMPLE.enhancedCtMultiFrame));
    expect(attr.number(instance.dataset, 'NumberOfFrames')).toBe(2);
    expect(attr.items(instance.dataset, 'PerFrameFunctionalGroupsSequence')).toHaveLength(2);
    expect(instance.pixelData?.encapsulated === false && instance.pixelData.buffers[0].byteLength).toBe(2 * 512 * 512 * 2);
  });

  it('names the SOP instance and never puts Pixel Data into the dataset', () => {
    const instance = readPart10(readSample(SAMPLE.ctAxialIntercept1024));
    expect(instance.sopInstanceUid).toMatch(/^[0-9.]+$/);
    expect(instance.sopClassUid).toBe('1.2.840.10008.5.1.4.1.1.2');
    expect(instance.dataset.PixelData).toBeUndefined();
  });
});

describe('readPart10 on malformed input', () => {
  const expectCode = (fn: () => unknown, code: string) => {
    let caught: unknown;
    try {
      fn();
    } catch (error) {
      caught = error;
    }
    expect(isDicomError(caught)).toBe(true);
    expect((caught as { code: string }).code).toBe(code);
  };

  it('refuses a file over the size cap before parsing it', () => {
    expectCode(() => readPart10(readSample(SAMPLE.ctSmall), { maxFileBytes: 1000 }), 'DICOM_TOO_LARGE');
  });

  it('refuses a pixel matrix over the caps from the header alone', () => {
    expectCode(() => readPart10(readSample(SAMPLE.enhancedCtMultiFrame), { maxTotalPixels: 512 * 512 }), 'DICOM_TOO_LARGE');
    expectCode(() => readPart10(readSample(SAMPLE.crJpeg2000Mono1), { maxFramePixels: 1000 * 1000 }), 'DICOM_TOO_LARGE');
  });

  it('reports a file cut inside its header as truncated', () => {
    const bytes = readSample(SAMPLE.ctSmall);
    expectCode(() => readPart10(bytes.subarray(0, 700)), 'DICOM_TRUNCATED');
  });

  it('caps what a deflated data set may inflate to (a deflate bomb is DICOM_TOO_LARGE, not an exhausted heap)', () => {
    const uid = '1.2.840.10008.1.2.1.99';
    const ts = Buffer.concat([Buffer.from([0x02, 0x00, 0x10, 0x00]), Buffer.from('UI'), Buffer.from([uid.length, 0]), Buffer.from(uid)]);
    const group = Buffer.concat([Buffer.from([0x02, 0x00, 0x00, 0x00]), Buffer.from('UL'), Buffer.from([4, 0]), Buffer.from(Uint32Array.of(ts.length).buffer)]);
    // (0009,0010)-style private OB element of 16 MiB of zeros: about 16 KiB once deflated
    const huge = Buffer.concat([Buffer.from([0x09, 0x00, 0x00, 0x10]), Buffer.from('OB'), Buffer.alloc(2), Buffer.from(Uint32Array.of(16 << 20).buffer), Buffer.alloc(16 << 20)]);
    const file = Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), group, ts, deflateRawSync(huge)]);
    expect(file.length).toBeLessThan(1 << 20);
    expectCode(() => readPart10(file, { maxFileBytes: 1 << 20 }), 'DICOM_TOO_LARGE');
  });

  it('refuses sequences nested deeper than 64 levels quickly (dcmjs takes quadratic time on them)', () => {
    // a bare implicit VR data set: Modality, then 1,000 nested undefined-length sequences, each properly closed
    const depth = 1000;
    const open = [0x40, 0x00, 0x30, 0xa7, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0x00, 0xe0, 0xff, 0xff, 0xff, 0xff];
    const close = [0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0, 0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0];
    const bytes = Uint8Array.from([
      ...[0x08, 0x00, 0x60, 0x00, 2, 0, 0, 0, 0x43, 0x54],
      ...Array.from({ length: depth }, () => open).flat(),
      ...Array.from({ length: depth }, () => close).flat(),
    ]);
    const started = Date.now();
    expectCode(() => readPart10(bytes), 'DICOM_MALFORMED');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('refuses bytes that are not DICOM at all', () => {
    expectCode(() => readPart10(new TextEncoder().encode('%PDF-1.7 this is not a DICOM file at all')), 'DICOM_MALFORMED');
    expectCode(() => readPart10(new Uint8Array(3)), 'DICOM_TRUNCATED');
  });

  it('reports an element whose length runs past the end of the file (wrong VR length) as truncated', () => {
    const bytes = Uint8Array.from(readSample(SAMPLE.ctSmall));
    // the first data set element after the File Meta, (0008,0005) CS: make its 16-bit length 0xFFF0
    const metaLength = bytes[140] | (bytes[141] << 8);
    const first = 144 + metaLength;
    bytes[first + 6] = 0xf0;
    bytes[first + 7] = 0xff;
    // dcmjs alone would clip that value and lose every element after it, Pixel Data included
    expectCode(() => readPart10(bytes), 'DICOM_TRUNCATED');
  });

  it.each(Object.values(SAMPLE).concat(NY_SBU_SLICES))('reports %s cut by its last byte as truncated', (file) => {
    const bytes = readSample(file);
    expectCode(() => readPart10(bytes.subarray(0, bytes.length - 1)), 'DICOM_TRUNCATED');
  });
});
