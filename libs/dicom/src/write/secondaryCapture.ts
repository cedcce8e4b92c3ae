import { attr, type NaturalizedDataset } from '../read';
import type { AnalysisResult } from './AnalysisResult';
import { dicomDate, dicomTime, resultHeader } from './resultHeader';
import { writePart10 } from './writePart10';
import type { WrittenResult } from './WrittenResult';

export const SECONDARY_CAPTURE_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.7';
export const SC_SERIES_NUMBER = 9902;

/** 8-bit interleaved RGB pixels, e.g. @lungflow/imaging's heatmapOverlay + legend output. */
export interface RgbPixels {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 3;
}

/** The lines to burn into the image (legend): what it is, which model, what it said. */
export function secondaryCaptureLegend(result: AnalysisResult): string[] {
  const { model, decision } = result;
  const decided = result.classes.find((c) => c.name === decision.className);
  if (!decided) throw new RangeError(`decision names class "${decision.className}", which is not among the results`);
  return [
    'AI result, not for diagnosis',
    `${model.name} ${model.version}`,
    `${decided.code.meaning}: p = ${decided.probability.toFixed(2)} (${decision.status === 'indeterminate' ? 'indeterminate' : decision.positive ? 'positive' : 'negative'} at >= ${decision.threshold})`,
  ];
}

/**
 * A Secondary Capture Image (PS3.3 A.8.1) of the analysed image with the heatmap and legend burned in: RGB,
 * Burned In Annotation YES, Conversion Type WSD (workstation), same patient and study as the source, a new series,
 * Source Image Sequence pointing at the analysed instance(s). Lossy compression of the source carries over
 * (PS3.3 C.7.6.1.1.5: once lossy, derived images stay marked lossy).
 */
export function secondaryCapture(result: AnalysisResult, pixels: RgbPixels): WrittenResult {
  if (pixels.channels !== 3 || pixels.data.length !== pixels.width * pixels.height * 3 || pixels.width < 1 || pixels.height < 1) {
    throw new RangeError(`secondaryCapture needs interleaved RGB pixels: got ${pixels.data.length} bytes for ${pixels.width}×${pixels.height}`);
  }
  if (pixels.width > 0xffff || pixels.height > 0xffff) throw new RangeError('secondaryCapture: Rows and Columns are 16-bit');
  const header = resultHeader(result, 'sc', SECONDARY_CAPTURE_IMAGE_STORAGE, SC_SERIES_NUMBER);
  const { source, model } = result;
  const now = result.now ?? new Date();
  const lossy = attr.string(source, 'LossyImageCompression') === '01';
  const data = pixels.data.byteLength % 2 === 0 ? pixels.data : padded(pixels.data);

  const dataset: NaturalizedDataset = {
    ...header.dataset,
    Modality: 'OT',
    SeriesDescription: `AI heatmap (${model.name} ${model.version}), not for diagnosis`.slice(0, 64),
    ...laterality(source),
    ConversionType: 'WSD',
    SecondaryCaptureDeviceManufacturer: header.dataset.Manufacturer,
    SecondaryCaptureDeviceManufacturerModelName: header.dataset.ManufacturerModelName,
    SecondaryCaptureDeviceSoftwareVersions: header.dataset.SoftwareVersions,
    DateOfSecondaryCapture: dicomDate(now),
    TimeOfSecondaryCapture: dicomTime(now),
    ImageType: ['DERIVED', 'SECONDARY'],
    PatientOrientation: source.PatientOrientation ?? '',
    BurnedInAnnotation: 'YES',
    ...(lossy
      ? {
          LossyImageCompression: '01',
          ...(source.LossyImageCompressionRatio ? { LossyImageCompressionRatio: source.LossyImageCompressionRatio } : {}),
          ...(source.LossyImageCompressionMethod ? { LossyImageCompressionMethod: source.LossyImageCompressionMethod } : {}),
        }
      : { LossyImageCompression: '00' }),
    DerivationDescription: `Class activation map of ${model.name} ${model.version} blended over the analysed image; legend burned in`.slice(0, 1024),
    SourceImageSequence: header.analysed.map((i) => ({ ReferencedSOPClassUID: i.sopClassUid, ReferencedSOPInstanceUID: i.sopInstanceUid })),
    SamplesPerPixel: 3,
    PhotometricInterpretation: 'RGB',
    PlanarConfiguration: 0,
    Rows: pixels.height,
    Columns: pixels.width,
    BitsAllocated: 8,
    BitsStored: 8,
    HighBit: 7,
    PixelRepresentation: 0,
    PixelData: [wholeBuffer(data)],
  };
  return { dataset, part10: writePart10(dataset, { PixelData: 'OB' }), studyInstanceUid: header.studyInstanceUid, seriesInstanceUid: header.seriesInstanceUid, sopInstanceUid: header.sopInstanceUid };
}

/**
 * Laterality is Type 2C in General Series: needed for a paired body part, absent for an unpaired one such as the
 * chest. With Body Part Examined known, copy a real laterality only; without it, the part may be paired, so keep
 * the (possibly empty) attribute, as dciodvfy expects.
 */
function laterality(source: NaturalizedDataset): NaturalizedDataset {
  const bodyPart = attr.string(source, 'BodyPartExamined');
  const side = attr.string(source, 'Laterality');
  if (bodyPart) return { BodyPartExamined: bodyPart, ...(side ? { Laterality: side } : {}) };
  return { Laterality: side ?? '' };
}

/** OB values have even length (PS3.5 §7.1.1); the pad byte is 00. */
function padded(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.byteLength + 1);
  out.set(data);
  return out;
}

/** The pixels as an ArrayBuffer of their own: no 3 MB copy when they already are one (sharp's output is). */
function wholeBuffer(data: Uint8Array): ArrayBuffer {
  if (data.byteOffset === 0 && data.byteLength === data.buffer.byteLength && data.buffer instanceof ArrayBuffer) return data.buffer;
  return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
}
