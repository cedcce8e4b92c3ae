import sharp from 'sharp';
import { readPart10, wrapImageAsDicom } from '@lungflow/dicom';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sharedDataDir } from '../sharedData.testHelper';
import { sourcePixelSpacing } from './sourcePixelSpacing';

describe('sourcePixelSpacing', () => {
  const base = { Rows: 2000, Columns: 1500, ImageType: ['ORIGINAL', 'PRIMARY'], SOPClassUID: '1.2.840.10008.5.1.4.1.1.1.1' };

  it('takes Pixel Spacing (row, column: PS3.3 10.7.1.3), else Imager Pixel Spacing', () => {
    expect(sourcePixelSpacing({ ...base, PixelSpacing: [0.15, 0.2], ImagerPixelSpacing: [0.1, 0.1] })).toEqual({ rows: 2000, columns: 1500, rowSpacingMm: 0.15, columnSpacingMm: 0.2 });
    expect(sourcePixelSpacing({ ...base, ImagerPixelSpacing: '0.143\\0.143' })).toEqual({ rows: 2000, columns: 1500, rowSpacingMm: 0.143, columnSpacingMm: 0.143 });
  });

  it('is null without a usable spacing or size', () => {
    expect(sourcePixelSpacing(base)).toBeNull();
    expect(sourcePixelSpacing({ ...base, PixelSpacing: [0.15] })).toBeNull();
    expect(sourcePixelSpacing({ ...base, PixelSpacing: [0, 0] })).toBeNull();
    expect(sourcePixelSpacing({ ...base, Rows: undefined, PixelSpacing: [0.15, 0.15] })).toBeNull();
  });

  it('is null for secondary images (Image Type value 2 SECONDARY, PS3.3 C.7.6.1.1.2), kept for an SC that states it', () => {
    expect(sourcePixelSpacing({ ...base, ImageType: ['DERIVED', 'SECONDARY'], ImagerPixelSpacing: [0.2, 0.2] })).toBeNull();
    expect(sourcePixelSpacing({ ...base, ImageType: 'DERIVED\\SECONDARY', PixelSpacing: [0.2, 0.2] })).toBeNull();
    expect(sourcePixelSpacing({ ...base, ImageType: undefined, SOPClassUID: '1.2.840.10008.5.1.4.1.1.7', PixelSpacing: [0.168, 0.168] })?.rowSpacingMm).toBe(0.168);
    // A DERIVED\PRIMARY image (processed from an acquisition) keeps its geometry.
    expect(sourcePixelSpacing({ ...base, ImageType: ['DERIVED', 'PRIMARY'], PixelSpacing: [0.2, 0.2] })?.rowSpacingMm).toBe(0.2);
  });

  it.each(['CR', 'DX'] as const)('is null for a picture wrapped as %s (its 430 mm detector is nominal)', async (modality) => {
    const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#808080' } }).png().toBuffer();
    const wrapped = await wrapImageAsDicom({ image: new Uint8Array(png), modality, patient: { id: 'LF-TEST-0001' }, studySeed: 'lesion-spacing' });
    const { dataset } = readPart10(wrapped.part10);
    expect(dataset.ImagerPixelSpacing).toBeDefined();
    expect(sourcePixelSpacing(dataset)).toBeNull();
  });

  it('reads a real radiograph of ../shared/data (an RSNA/NIH SC object with Pixel Spacing 0.168 mm)', () => {
    const file = path.join(sharedDataDir(), 'dicom/torchxrayvision/1.2.276.0.7230010.3.1.4.8323329.6904.1517875201.850819.dcm');
    const { dataset } = readPart10(new Uint8Array(readFileSync(file)));
    expect(sourcePixelSpacing(dataset)).toEqual({ rows: 1024, columns: 1024, rowSpacingMm: 0.168, columnSpacingMm: 0.168 });
  });
});
