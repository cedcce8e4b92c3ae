import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import dcmjs from 'dcmjs';
import sharp from 'sharp';
import { dciodvfy } from '../../../../test/helpers/dciodvfy';
import { hasSharedData, sharedDataDir } from '../../../../test/helpers/paths';
import { SOP_CLASS_BY_MODALITY, uidFromSeed, wrapImageAsDicom, type WrapImageOptions } from './index';

jest.setTimeout(30_000);

type Dataset = Record<string, unknown>;

function parse(part10: Uint8Array): { meta: Dataset; dataset: Dataset } {
  const buffer = part10.buffer.slice(part10.byteOffset, part10.byteOffset + part10.byteLength);
  const dict = dcmjs.data.DicomMessage.readFile(buffer);
  const { DicomMetaDictionary } = dcmjs.data;
  return { meta: DicomMetaDictionary.naturalizeDataset(dict.meta), dataset: DicomMetaDictionary.naturalizeDataset(dict.dict) };
}

/** A grey ramp with a bright disc: known pixel values to compare against after the round trip. */
async function greyPng(width = 64, height = 48): Promise<{ png: Buffer; pixels: Uint8Array }> {
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) pixels[y * width + x] = (x * 4 + ((x - 20) ** 2 + (y - 20) ** 2 < 64 ? 60 : 0)) & 0xff;
  }
  const png = await sharp(Buffer.from(pixels), { raw: { width, height, channels: 1 } }).png().toBuffer();
  return { png, pixels };
}

async function expectValid(part10: Uint8Array, iod: string): Promise<void> {
  const check = await dciodvfy(part10);
  // Warnings are shown but do not fail: they are advisory (e.g. no View Code Sequence for a known view).
  if (check.warnings.length > 0) process.stderr.write(`dciodvfy warnings (${iod}):\n  ${check.warnings.join('\n  ')}\n`);
  expect(check.errors).toEqual([]);
  expect(check.iod).toBe(iod);
}

const base: Omit<WrapImageOptions, 'image' | 'modality'> = {
  patient: { id: 'LF-TEST-0001', sex: 'F', ageYears: 52 },
  studySeed: 'wrap-test/study-1',
  studyDate: '20200315',
  studyTime: '093000',
  studyDescription: 'XR CHEST PA',
  seriesDescription: 'Chest PA',
  viewPosition: 'PA',
  imageComments: 'Synthetic test image',
};

describe('wrapImageAsDicom', () => {
  it('wraps a PNG as CR Image Storage that dciodvfy accepts, keeping every grey value (PS3.3 A.2)', async () => {
    const { png, pixels } = await greyPng();
    const wrapped = await wrapImageAsDicom({ ...base, image: png, modality: 'CR' });
    await expectValid(wrapped.part10, 'CRImage');

    const { meta, dataset } = parse(wrapped.part10);
    expect(meta.TransferSyntaxUID).toBe('1.2.840.10008.1.2.1');
    expect(meta.MediaStorageSOPInstanceUID).toBe(wrapped.sopInstanceUid);
    expect(dataset).toMatchObject({
      SOPClassUID: SOP_CLASS_BY_MODALITY.CR,
      Modality: 'CR',
      BodyPartExamined: 'CHEST',
      ViewPosition: 'PA',
      PatientID: 'LF-TEST-0001',
      PatientName: [{ Alphabetic: 'Demo^LF-TEST-0001' }],
      PatientAge: '052Y',
      PatientIdentityRemoved: 'YES',
      StudyInstanceUID: wrapped.studyInstanceUid,
      Rows: 48,
      Columns: 64,
      BitsAllocated: 8,
      PhotometricInterpretation: 'MONOCHROME2',
      LossyImageCompression: '00',
    });
    const stored = new Uint8Array((dataset.PixelData as ArrayBuffer[])[0]!);
    expect(Buffer.from(stored.subarray(0, pixels.length)).equals(Buffer.from(pixels))).toBe(true);
  });

  it('wraps a colour JPEG as DX For Presentation, marks it lossy, and converts to one grey channel (PS3.3 A.26)', async () => {
    const jpeg = await sharp({ create: { width: 80, height: 100, channels: 3, background: { r: 200, g: 40, b: 40 } } }).jpeg().toBuffer();
    const wrapped = await wrapImageAsDicom({ ...base, image: jpeg, modality: 'DX', instanceNumber: 2 });
    await expectValid(wrapped.part10, 'DXImageForPresentation');
    const { dataset } = parse(wrapped.part10);
    expect(dataset).toMatchObject({
      SOPClassUID: SOP_CLASS_BY_MODALITY.DX,
      PresentationIntentType: 'FOR PRESENTATION',
      PatientOrientation: ['L', 'F'],
      LossyImageCompression: '01',
      SamplesPerPixel: 1,
      Rows: 100,
      Columns: 80,
    });
    // 430 mm across the longer side: the documented nominal spacing.
    expect(dataset.ImagerPixelSpacing).toEqual([4.3, 4.3]);
  });

  it('wraps a slice as CT Image Storage: 16-bit, rescale written, rescale type US because it is not HU (PS3.3 C.8.2.1)', async () => {
    const { png, pixels } = await greyPng(40, 40);
    const wrapped = await wrapImageAsDicom({ ...base, image: png, modality: 'CT', viewPosition: '', ct: { rescaleSlope: 2, rescaleIntercept: -1024, plane: 'coronal' } });
    await expectValid(wrapped.part10, 'CTImage');
    const { dataset } = parse(wrapped.part10);
    expect(dataset).toMatchObject({
      SOPClassUID: SOP_CLASS_BY_MODALITY.CT,
      BitsAllocated: 16,
      RescaleSlope: 2,
      RescaleIntercept: -1024,
      RescaleType: 'US',
      ImageOrientationPatient: [1, 0, 0, 0, 0, -1],
    });
    const words = new Uint16Array((dataset.PixelData as ArrayBuffer[])[0]!);
    expect(Array.from(words.subarray(0, 50))).toEqual(Array.from(pixels.subarray(0, 50)));
  });

  it('derives UIDs from the seeds: same options give the same bytes, instances of one study share its UID', async () => {
    const { png } = await greyPng();
    const first = await wrapImageAsDicom({ ...base, image: png, modality: 'CR' });
    const again = await wrapImageAsDicom({ ...base, image: png, modality: 'CR' });
    const second = await wrapImageAsDicom({ ...base, image: png, modality: 'CR', instanceNumber: 2 });
    expect(Buffer.from(again.part10).equals(Buffer.from(first.part10))).toBe(true);
    expect(second.studyInstanceUid).toBe(first.studyInstanceUid);
    expect(second.seriesInstanceUid).toBe(first.seriesInstanceUid);
    expect(second.sopInstanceUid).not.toBe(first.sopInstanceUid);
    expect(first.studyInstanceUid).toBe(uidFromSeed('study:wrap-test/study-1'));
  });

  it('shrinks to maxSize and folds non-ASCII text into the default character repertoire', async () => {
    const { png } = await greyPng(64, 48);
    const wrapped = await wrapImageAsDicom({ ...base, image: png, modality: 'CR', maxSize: 32, imageComments: 'Müller, Zürich – CC BY 4.0' });
    const { dataset } = parse(wrapped.part10);
    expect([dataset.Columns, dataset.Rows]).toEqual([32, 24]);
    expect(dataset.ImageComments).toBe('Muller, Zurich  CC BY 4.0');
    expect(dataset.SpecificCharacterSet).toBeUndefined();
  });

  it('refuses input that is neither PNG nor JPEG', async () => {
    const gif = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#808080' } }).gif().toBuffer();
    await expect(wrapImageAsDicom({ ...base, image: gif, modality: 'CR' })).rejects.toThrow(/PNG or JPEG.*gif/);
  });

  (hasSharedData() ? it : it.skip)('wraps real chest images from ../shared/data without a dciodvfy error', async () => {
    const cxrDir = join(sharedDataDir(), 'cxr/ieee8023/images');
    const ctDir = join(sharedDataDir(), 'ct/ieee8023/images');
    const cxr = readdirSync(cxrDir).filter((f) => /\.(png|jpe?g)$/i.test(f)).slice(0, 2);
    const ct = readdirSync(ctDir).filter((f) => /\.(png|jpe?g)$/i.test(f)).slice(0, 1);
    for (const file of cxr) await expectValid((await wrapImageAsDicom({ ...base, image: join(cxrDir, file), modality: 'DX', studySeed: file })).part10, 'DXImageForPresentation');
    for (const file of ct) await expectValid((await wrapImageAsDicom({ ...base, image: join(ctDir, file), modality: 'CT', studySeed: file })).part10, 'CTImage');
  });
});

describe('uidFromSeed', () => {
  it('gives a 2.25 UID of at most 44 characters without leading zeros (PS3.5 §9.1, §B.2)', () => {
    for (const seed of ['a', 'b', 'LF-DEMO-0001/study', 'x'.repeat(500)]) {
      const uid = uidFromSeed(seed);
      expect(uid).toMatch(/^2\.25\.[1-9][0-9]*$/);
      expect(uid.length).toBeLessThanOrEqual(44);
      expect(uidFromSeed(seed)).toBe(uid);
    }
    expect(uidFromSeed('a')).not.toBe(uidFromSeed('b'));
    expect(() => uidFromSeed('')).toThrow(RangeError);
  });
});
