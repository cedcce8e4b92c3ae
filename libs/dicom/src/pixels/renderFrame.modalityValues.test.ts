import type { DicomInstance } from '../read/DicomInstance';
import { renderFrame } from './renderFrame';

// keepModalityValues: the frame after the Modality LUT (HU for CT), untouched by the VOI that renders the 8-bit image.
function ct(stored: number[]): DicomInstance {
  const bytes = stored.flatMap((v) => [v & 0xff, (v >> 8) & 0xff]);
  return {
    dataset: { Modality: 'CT', Rows: 1, Columns: stored.length, SamplesPerPixel: 1, PhotometricInterpretation: 'MONOCHROME2', BitsAllocated: 16, BitsStored: 16, HighBit: 15, PixelRepresentation: 0, RescaleSlope: 2, RescaleIntercept: -1024 },
    transferSyntaxUid: '1.2.840.10008.1.2.1',
    sopInstanceUid: '2.25.2',
    sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
    pixelData: { encapsulated: false, buffers: [Uint8Array.from(bytes)], bigEndian: false },
    source: 'part10',
  };
}

describe('renderFrame keepModalityValues', () => {
  it('returns stored × slope + intercept beside the lung-windowed image, and nothing unless asked', async () => {
    const instance = ct([0, 12, 362, 512, 1000]);
    const rendered = await renderFrame(instance, { keepModalityValues: true });
    expect(Array.from(rendered.modalityValues ?? [])).toEqual([-1024, -1000, -300, 0, 976]);
    // The lung window (-600 / 1500: -1350..150 HU) rendered the 8-bit image from the same values.
    expect(rendered.voi).toMatchObject({ kind: 'window', center: -600, width: 1500 });
    expect(rendered.fullResolution.data[4]).toBe(255);
    expect((await renderFrame(instance)).modalityValues).toBeUndefined();
  });
});
