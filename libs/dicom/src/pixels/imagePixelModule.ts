import { DicomError } from '../errors';
import { attr } from '../read/attr';
import type { DicomInstance } from '../read/DicomInstance';
import { isImageStorageSopClass } from '../scope/imageSopClasses';

/** The Image Pixel module (PS3.3 C.7.6.3) of one instance, checked so the decoders can trust it. */
export interface ImagePixelModule {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  /** 1: two's complement stored values. */
  pixelRepresentation: 0 | 1;
  photometricInterpretation: string;
  /** 0: samples interleaved per pixel (R1G1B1R2...); 1: one plane per sample (R1R2...G1G2...). */
  planarConfiguration: 0 | 1;
  numberOfFrames: number;
}

const PHOTOMETRICS = new Set(['MONOCHROME1', 'MONOCHROME2', 'RGB', 'YBR_FULL', 'YBR_FULL_422', 'YBR_ICT', 'YBR_RCT']);

/**
 * Reads and checks the Image Pixel attributes: typed errors for objects without pixels, for values no image can
 * have (zero rows, Bits Stored over Bits Allocated) and for layouts LungFlow does not render (1-bit, palette).
 */
export function imagePixelModule(instance: DicomInstance): ImagePixelModule {
  const { dataset, sopInstanceUid } = instance;
  if (instance.pixelData === undefined) {
    if (instance.sopClassUid !== undefined && !isImageStorageSopClass(instance.sopClassUid)) {
      throw new DicomError('DICOM_NOT_AN_IMAGE', `SOP class ${instance.sopClassUid} carries no image`, {
        sopInstanceUid,
        sopClassUid: instance.sopClassUid,
      });
    }
    throw new DicomError('DICOM_NO_PIXEL_DATA', 'no Pixel Data (7FE0,0010): absent, or swallowed by a malformed element before it', {
      sopInstanceUid,
    });
  }
  const bad = (message: string): never => {
    throw new DicomError('DICOM_BAD_PIXEL_ATTRIBUTES', message, { sopInstanceUid });
  };
  const rows = attr.number(dataset, 'Rows') ?? bad('Rows (0028,0010) is missing');
  const columns = attr.number(dataset, 'Columns') ?? bad('Columns (0028,0011) is missing');
  if (!(Number.isInteger(rows) && rows > 0 && Number.isInteger(columns) && columns > 0)) {
    bad(`an image of ${rows} × ${columns} pixels cannot exist`);
  }
  const bitsAllocated = attr.number(dataset, 'BitsAllocated') ?? bad('Bits Allocated (0028,0100) is missing');
  const bitsStored = attr.number(dataset, 'BitsStored') ?? bitsAllocated;
  const highBit = attr.number(dataset, 'HighBit') ?? bitsStored - 1;
  if (![8, 16, 32].includes(bitsAllocated)) {
    throw new DicomError('DICOM_UNSUPPORTED_PIXEL_FORMAT', `Bits Allocated ${bitsAllocated} is not rendered (8, 16 or 32 only)`, {
      sopInstanceUid,
      bitsAllocated,
    });
  }
  if (!(bitsStored >= 1 && bitsStored <= bitsAllocated && highBit >= bitsStored - 1 && highBit < bitsAllocated)) {
    bad(`Bits Stored ${bitsStored} and High Bit ${highBit} do not fit in Bits Allocated ${bitsAllocated}`);
  }
  const samplesPerPixel = attr.number(dataset, 'SamplesPerPixel') ?? 1;
  const photometricInterpretation =
    attr.string(dataset, 'PhotometricInterpretation')?.toUpperCase() ?? (samplesPerPixel === 3 ? 'RGB' : 'MONOCHROME2');
  if (!PHOTOMETRICS.has(photometricInterpretation)) {
    throw new DicomError('DICOM_UNSUPPORTED_PIXEL_FORMAT', `Photometric Interpretation ${photometricInterpretation} is not rendered`, {
      sopInstanceUid,
      photometricInterpretation,
    });
  }
  const expectedSamples = photometricInterpretation.startsWith('MONOCHROME') ? 1 : 3;
  if (samplesPerPixel !== expectedSamples) {
    bad(`${photometricInterpretation} needs ${expectedSamples} samples per pixel, not ${samplesPerPixel}`);
  }
  const numberOfFrames = attr.number(dataset, 'NumberOfFrames') ?? 1;
  if (!(Number.isInteger(numberOfFrames) && numberOfFrames >= 1)) bad(`Number of Frames ${numberOfFrames} is not a count`);
  return {
    rows,
    columns,
    samplesPerPixel,
    bitsAllocated,
    bitsStored,
    highBit,
    pixelRepresentation: attr.number(dataset, 'PixelRepresentation') === 1 ? 1 : 0,
    photometricInterpretation,
    planarConfiguration: attr.number(dataset, 'PlanarConfiguration') === 1 ? 1 : 0,
    numberOfFrames,
  };
}
