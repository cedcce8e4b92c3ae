import { isDicomError, type DicomErrorCode } from '../errors';
import type { DicomInstance } from '../read/DicomInstance';
import type { NaturalizedDataset } from '../read/attr';
import { decodeFrame } from './decodeFrame';
import { imagePixelModule } from './imagePixelModule';
import { modalityLut } from './modalityLut';
import { renderFrame } from './renderFrame';

const CR = '1.2.840.10008.5.1.4.1.1.1';

/** A one-row instance with the given pixel bytes: small enough to state every expected value. */
function instance(dataset: NaturalizedDataset, bytes: number[] | Uint8Array, bigEndian = false): DicomInstance {
  return {
    dataset: { Modality: 'CR', Rows: 1, SamplesPerPixel: 1, PhotometricInterpretation: 'MONOCHROME2', ...dataset },
    transferSyntaxUid: bigEndian ? '1.2.840.10008.1.2.2' : '1.2.840.10008.1.2.1',
    sopInstanceUid: '2.25.1',
    sopClassUid: CR,
    pixelData: { encapsulated: false, buffers: [Uint8Array.from(bytes)], bigEndian },
    source: 'part10',
  };
}

const u16 = (...values: number[]) => values.flatMap((v) => [v & 0xff, (v >> 8) & 0xff]);
const stored = async (i: DicomInstance, frame = 0) => Array.from((await decodeFrame(i, imagePixelModule(i), frame)).values);
const pixels = async (i: DicomInstance, options = {}) => Array.from((await renderFrame(i, options)).fullResolution.data);

describe('stored values (PS3.5 8.1.1, 8.2)', () => {
  const bits = { Columns: 3, BitsAllocated: 16 };
  it('masks the bits outside Bits Stored (overlay or garbage bits)', async () => {
    expect(await stored(instance({ ...bits, BitsStored: 12, HighBit: 11 }, u16(0xf005, 0x0fff, 0xa000)))).toEqual([5, 4095, 0]);
  });
  it('shifts values whose High Bit is not Bits Stored - 1', async () => {
    expect(await stored(instance({ ...bits, BitsStored: 12, HighBit: 15 }, u16(0xfff0, 0x0010, 0x000f)))).toEqual([4095, 1, 0]);
  });
  it('sign-extends two\'s complement within Bits Stored', async () => {
    const signed = { ...bits, BitsStored: 12, HighBit: 11, PixelRepresentation: 1 };
    expect(await stored(instance(signed, u16(0x0fff, 0x0800, 0x07ff)))).toEqual([-1, -2048, 2047]);
    expect(await stored(instance({ ...bits, BitsStored: 16, PixelRepresentation: 1 }, u16(0xffff, 0x8000, 1)))).toEqual([-1, -32768, 1]);
  });
  it('reads big-endian Pixel Data (retired Explicit VR Big Endian)', async () => {
    expect(await stored(instance({ ...bits, BitsStored: 16 }, [0x01, 0x02, 0, 1, 0xff, 0], true))).toEqual([258, 1, 65280]);
  });
  it('picks the bytes of the requested frame of a native multi-frame object', async () => {
    const i = instance({ Columns: 2, BitsAllocated: 8, NumberOfFrames: 3 }, [1, 2, 3, 4, 5, 6]);
    expect(await stored(i, 2)).toEqual([5, 6]);
  });
});

describe('colour to gray', () => {
  const rgb = { Columns: 2, BitsAllocated: 8, SamplesPerPixel: 3, PhotometricInterpretation: 'RGB' };
  it('uses BT.601 luma for RGB, by pixel and by plane (Planar Configuration 1)', async () => {
    // pixel 1 pure red, pixel 2 pure green: luma 0.299 * 255 = 76.2 and 0.587 * 255 = 149.7
    expect(await pixels(instance(rgb, [255, 0, 0, 0, 255, 0]))).toEqual([76, 149]);
    expect(await pixels(instance({ ...rgb, PlanarConfiguration: 1 }, [255, 0, 0, 255, 0, 0]))).toEqual([76, 149]);
  });
  it('keeps Y of YBR_FULL_422 (Y1 Y2 Cb Cr per pixel pair, PS3.3 C.7.6.3.1.2)', async () => {
    expect(await pixels(instance({ ...rgb, PhotometricInterpretation: 'YBR_FULL_422' }, [10, 200, 128, 128]))).toEqual([10, 200]);
  });
});

describe('Modality LUT (PS3.3 C.11.1)', () => {
  const base = { Columns: 4, BitsAllocated: 8 };
  it('applies the Modality LUT Sequence before any rescale', () => {
    const values = Float32Array.of(0, 1, 2, 9);
    const dataset = { ...base, RescaleSlope: 10, ModalityLUTSequence: [{ LUTDescriptor: [3, 0, 16], LUTData: [100, 200, 300] }] };
    expect(modalityLut(values, dataset, 0, false)).toEqual({ kind: 'lut', entries: 3 });
    expect(Array.from(values)).toEqual([100, 200, 300, 300]);
  });
  it('reads a negative first mapped value for signed data', () => {
    const values = Float32Array.of(-1, 0);
    modalityLut(values, { ModalityLUTSequence: [{ LUTDescriptor: [2, 65535, 16], LUTData: [7, 8] }] }, 0, true);
    expect(Array.from(values)).toEqual([7, 8]);
  });
  it('treats a zero Rescale Slope as 1 rather than erasing the image', () => {
    const values = Float32Array.of(5);
    expect(modalityLut(values, { RescaleSlope: 0, RescaleIntercept: -1024 }, 0, false)).toEqual({ kind: 'rescale', slope: 1, intercept: -1024 });
    expect(values[0]).toBe(-1019);
  });
});

describe('VOI (PS3.3 C.11.2)', () => {
  const ramp = instance({ Columns: 5, BitsAllocated: 8 }, [0, 64, 128, 192, 255]);
  it('LINEAR: y = ((x - (c - 0.5)) / (w - 1) + 0.5) * 255, clipped', async () => {
    expect(await pixels(ramp, { window: { center: 128, width: 128 } })).toEqual([0, 0, 128, 255, 255]);
  });
  it('LINEAR_EXACT: y = ((x - c) / w + 0.5) * 255', async () => {
    expect(await pixels(ramp, { window: { center: 128, width: 256, function: 'LINEAR_EXACT' } })).toEqual([0, 63, 127, 191, 254]);
  });
  it('SIGMOID: y = 255 / (1 + exp(-4 (x - c) / w))', async () => {
    expect(await pixels(ramp, { window: { center: 128, width: 128, function: 'SIGMOID' } })).toEqual([4, 30, 127, 224, 250]);
  });
  it("uses the data set's first window when several are given, with its VOI LUT Function", async () => {
    const windowed = { ...ramp, dataset: { ...ramp.dataset, WindowCenter: [128, 0], WindowWidth: [128, 10], VOILUTFunction: 'LINEAR' } };
    const result = await renderFrame(windowed);
    expect(result.voi).toMatchObject({ kind: 'window', center: 128, width: 128, source: 'dataset-window' });
  });
  it('applies a VOI LUT Sequence scaled by its bit depth when no window is given', async () => {
    const lut = { ...ramp, dataset: { ...ramp.dataset, VOILUTSequence: [{ LUTDescriptor: [256, 0, 8], LUTData: Array.from({ length: 256 }, (_, i) => 255 - i) }] } };
    expect(await pixels(lut)).toEqual([255, 191, 127, 63, 0]);
  });
  it('falls back to a percentile window for a radiograph without window or LUT', async () => {
    const result = await renderFrame(ramp, { percentiles: [0, 100] });
    expect(result.voi).toMatchObject({ kind: 'window', source: 'percentile', center: 127.5, width: 255, function: 'LINEAR_EXACT' });
  });
  it('gives every CT the lung window in HU, whatever window the data set carries', async () => {
    const ct = instance({ Modality: 'CT', Columns: 3, BitsAllocated: 16, BitsStored: 16, PixelRepresentation: 1, RescaleIntercept: -1024, WindowCenter: 40, WindowWidth: 400 }, u16(0, 424, 1024));
    const result = await renderFrame(ct);
    expect(result.voi).toMatchObject({ center: -600, width: 1500, source: 'ct-default' });
    // -1024 HU, -600 HU (the center), 0 HU
    expect(Array.from(result.fullResolution.data)).toEqual([55, 127, 229]);
  });
  it('inverts MONOCHROME1 after VOI', async () => {
    const mono1 = { ...ramp, dataset: { ...ramp.dataset, PhotometricInterpretation: 'MONOCHROME1' } };
    const result = await renderFrame(mono1, { window: { center: 128, width: 256, function: 'LINEAR_EXACT' } });
    expect(result.inverted).toBe(true);
    expect(Array.from(result.fullResolution.data)).toEqual([255, 191, 127, 63, 0]);
  });
});

describe('resize contract', () => {
  it('stretches the whole image to size × size (no crop, aspect not kept)', async () => {
    // 40 × 10: left half black, right half white
    const wide = instance({ Rows: 10, Columns: 40, BitsAllocated: 8 }, Array.from({ length: 400 }, (_, i) => (i % 40 < 20 ? 0 : 255)));
    const { image, fullResolution } = await renderFrame(wide, { size: 16, window: { center: 127.5, width: 255, function: 'LINEAR_EXACT' } });
    expect([image.width, image.height, image.data.length]).toEqual([16, 16, 256]);
    expect([fullResolution.width, fullResolution.height]).toEqual([40, 10]);
    // every row keeps both halves: nothing was cropped away
    for (let row = 0; row < 16; row += 1) {
      expect(image.data[row * 16]).toBeLessThan(10);
      expect(image.data[row * 16 + 15]).toBeGreaterThan(245);
    }
  });
});

describe('typed errors for impossible or unsupported images', () => {
  const cases: Array<[string, DicomInstance, DicomErrorCode]> = [
    ['zero rows', instance({ Rows: 0, Columns: 4, BitsAllocated: 8 }, [1, 2, 3, 4]), 'DICOM_BAD_PIXEL_ATTRIBUTES'],
    ['Bits Stored over Bits Allocated', instance({ Columns: 1, BitsAllocated: 8, BitsStored: 12 }, [1]), 'DICOM_BAD_PIXEL_ATTRIBUTES'],
    ['Bits Allocated 1', instance({ Columns: 8, BitsAllocated: 1 }, [255]), 'DICOM_UNSUPPORTED_PIXEL_FORMAT'],
    ['palette colour', instance({ Columns: 1, BitsAllocated: 8, PhotometricInterpretation: 'PALETTE COLOR' }, [1]), 'DICOM_UNSUPPORTED_PIXEL_FORMAT'],
    ['pixel data shorter than the header says', instance({ Columns: 4, BitsAllocated: 16 }, [1, 2, 3]), 'DICOM_TRUNCATED'],
    ['missing Pixel Data', { ...instance({ Columns: 1, BitsAllocated: 8 }, [1]), pixelData: undefined }, 'DICOM_NO_PIXEL_DATA'],
    ['an SR', { ...instance({}, []), pixelData: undefined, sopClassUid: '1.2.840.10008.5.1.4.1.1.88.33' }, 'DICOM_NOT_AN_IMAGE'],
  ];
  it.each(cases)('%s', async (_name, broken, code) => {
    const error = await renderFrame(broken).catch((e: unknown) => e);
    expect(isDicomError(error, code)).toBe(true);
    expect((error as { details: Record<string, unknown> }).details.sopInstanceUid).toBe(broken.sopInstanceUid);
  });
  it('a frame index beyond Number of Frames', async () => {
    const error = await renderFrame(instance({ Columns: 1, BitsAllocated: 8 }, [1]), { frame: 1 }).catch((e: unknown) => e);
    expect(isDicomError(error, 'DICOM_FRAME_OUT_OF_RANGE')).toBe(true);
  });
});
