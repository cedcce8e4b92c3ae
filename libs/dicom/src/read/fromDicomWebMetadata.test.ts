import dcmjs from 'dcmjs';
import { isDicomError } from '../errors';
import { readSample, SAMPLE } from './__tests__/sampleFiles';
import { attr } from './attr';
import { dicomWebJsonToNaturalized } from './dicomWebJsonToNaturalized';
import { fromDicomWebMetadata } from './fromDicomWebMetadata';
import { readPart10 } from './readPart10';
import { renderFrame } from '../pixels/renderFrame';

/** DICOM JSON (PS3.18 F.2) of a real file, as WADO-RS metadata would give it, with the pixel bytes apart. */
function dicomJsonOf(bytes: Uint8Array): { json: Record<string, unknown>; pixels: Uint8Array } {
  const dict = dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const pixels = new Uint8Array(dict.dict['7FE00010'].Value[0]);
  delete dict.dict['7FE00010'];
  return { json: JSON.parse(JSON.stringify(dict.dict)), pixels };
}

describe('fromDicomWebMetadata', () => {
  it('gives the same attributes and pixel bytes as the Part-10 reader', () => {
    const bytes = readSample(SAMPLE.ctSmall);
    const { json, pixels } = dicomJsonOf(bytes);
    const web = fromDicomWebMetadata(json, [pixels]);
    const file = readPart10(bytes);
    expect(web.source).toBe('dicomweb');
    expect(web.sopInstanceUid).toBe(file.sopInstanceUid);
    for (const keyword of ['Modality', 'Rows', 'Columns', 'BitsStored', 'PixelRepresentation', 'RescaleIntercept']) {
      expect(web.dataset[keyword]).toEqual(file.dataset[keyword]);
    }
    expect(web.pixelData).toEqual({ encapsulated: false, buffers: [pixels], bigEndian: false });
  });

  it('renders exactly as the Part-10 path does (multi-frame: one buffer per WADO-RS frame)', async () => {
    const bytes = readSample(SAMPLE.enhancedCtMultiFrame);
    const { json, pixels } = dicomJsonOf(bytes);
    const half = pixels.length / 2;
    const web = fromDicomWebMetadata(json, [pixels.subarray(0, half), pixels.subarray(half)]);
    for (const frame of [0, 1]) {
      const [a, b] = await Promise.all([renderFrame(web, { frame }), renderFrame(readPart10(bytes), { frame })]);
      expect(Buffer.from(a.fullResolution.data).equals(Buffer.from(b.fullResolution.data))).toBe(true);
    }
  });

  it('reads header-only metadata for classification', () => {
    const instance = fromDicomWebMetadata({ '00080060': { vr: 'CS', Value: ['CR'] }, '00180015': { vr: 'CS', Value: ['CHEST'] } }, []);
    expect(attr.string(instance.dataset, 'BodyPartExamined')).toBe('CHEST');
    expect(instance.pixelData).toBeUndefined();
  });

  it('refuses a matrix over the caps before the frames are used', () => {
    const json = { '00280010': { vr: 'US', Value: [60000] }, '00280011': { vr: 'US', Value: [60000] } };
    expect(() => fromDicomWebMetadata(json, [])).toThrow(expect.objectContaining({ code: 'DICOM_TOO_LARGE' }));
  });

  it('gives DICOM_MALFORMED for JSON that is not the DICOM JSON model', () => {
    for (const bad of [null, [], 'x', { Modality: 'CT' }, { '00080060': { vr: 'CS', Value: 'CT' } }]) {
      let caught: unknown;
      try {
        dicomWebJsonToNaturalized(bad);
      } catch (error) {
        caught = error;
      }
      expect(isDicomError(caught, 'DICOM_MALFORMED')).toBe(true);
    }
  });
});
