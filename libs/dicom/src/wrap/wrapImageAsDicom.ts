import type { NaturalizedDataset } from '../read';
import { loadGrayPixels } from './loadGrayPixels';
import { modalityModules, SOP_CLASS_BY_MODALITY, type CtOptions, type WrapModality } from './modalityModules';
import { writePart10 } from '../write/writePart10';
import { uidFromSeed } from './uidFromSeed';

export interface WrapPatient {
  /** A synthetic identifier such as `LF-DEMO-0001`; never a source dataset's patient id. */
  id: string;
  /** DICOM PN (family^given). Default `Demo^<id>`. */
  name?: string;
  sex?: 'M' | 'F' | 'O' | '';
  /** Whole years, written as Patient's Age `045Y`. */
  ageYears?: number;
}

export interface WrapImageOptions {
  /** PNG or JPEG bytes, or a path to one. */
  image: Uint8Array | string;
  modality: WrapModality;
  patient: WrapPatient;
  /** Seeds of the deterministic UIDs: images given the same study seed land in the same study. */
  studySeed: string;
  /** Default: `<studySeed>/series/<seriesNumber>`. */
  seriesSeed?: string;
  /** Default: `<seriesSeed>/instance/<instanceNumber>`. */
  instanceSeed?: string;
  /** DA `YYYYMMDD` and TM `HHMMSS`; empty (Type 2) when omitted, so output depends only on the options. */
  studyDate?: string;
  studyTime?: string;
  studyId?: string;
  accessionNumber?: string;
  studyDescription?: string;
  seriesNumber?: number;
  seriesDescription?: string;
  instanceNumber?: number;
  /** Default CHEST. */
  bodyPartExamined?: string;
  /** PA, AP, LL, RL, ... (CR and DX); empty when unknown. */
  viewPosition?: string;
  /** Row and column directions (PS3.3 C.7.6.1.1.1), e.g. ['L', 'F'] for a frontal chest. DX defaults to L\F. */
  patientOrientation?: readonly [string, string];
  /**
   * Pixel spacing in mm. PNG and JPEG carry none, so the default is nominal: a 430 mm detector across the longer
   * side for CR and DX, a 350 mm field of view for CT. Say so to anyone measuring on these images.
   */
  pixelSpacingMm?: number | readonly [number, number];
  /** Shrink the longer side to at most this many pixels. */
  maxSize?: number;
  institutionName?: string;
  /** Default empty: wrapped images must never carry LungFlow's own equipment identity (ingest skips those). */
  manufacturer?: string;
  /** Where the pixels came from (source, licence); written to Image Comments. */
  imageComments?: string;
  /** Whether text that could identify the patient is burned into the pixels. Default NO. */
  burnedInAnnotation?: 'YES' | 'NO';
  ct?: CtOptions;
}

export interface WrappedDicom {
  part10: Uint8Array;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  sopClassUid: string;
  rows: number;
  columns: number;
}


/**
 * Wraps a PNG or JPEG as a DICOM Part-10 file (Explicit VR Little Endian) of CR, DX (for presentation) or CT Image
 * Storage, with the Patient, Study, Series, Equipment, Image and SOP Common modules filled in so that `dciodvfy`
 * reports no error. Pixels become 8-bit MONOCHROME2 (16-bit for CT, rescale type US: not Hounsfield units).
 * The same options always give the same bytes.
 */
export async function wrapImageAsDicom(options: WrapImageOptions): Promise<WrappedDicom> {
  const pixels = await loadGrayPixels(options.image, options.maxSize);
  const seriesNumber = options.seriesNumber ?? 1;
  const instanceNumber = options.instanceNumber ?? 1;
  const seriesSeed = options.seriesSeed ?? `${options.studySeed}/series/${seriesNumber}`;
  const instanceSeed = options.instanceSeed ?? `${seriesSeed}/instance/${instanceNumber}`;
  const studyInstanceUid = uidFromSeed(`study:${options.studySeed}`);
  const seriesInstanceUid = uidFromSeed(`series:${seriesSeed}`);
  const sopInstanceUid = uidFromSeed(`instance:${instanceSeed}`);
  const sopClassUid = SOP_CLASS_BY_MODALITY[options.modality];

  const fieldMm = options.modality === 'CT' ? 350 : 430;
  const spacing = options.pixelSpacingMm ?? round(fieldMm / Math.max(pixels.rows, pixels.columns), 4);
  const pixelSpacingMm: [number, number] = typeof spacing === 'number' ? [spacing, spacing] : [spacing[0], spacing[1]];

  const specific = modalityModules({
    modality: options.modality,
    pixels,
    viewPosition: text(options.viewPosition),
    patientOrientation: options.patientOrientation,
    pixelSpacingMm,
    frameOfReferenceUid: uidFromSeed(`frame-of-reference:${seriesSeed}`),
    ct: options.ct ?? {},
  });

  const studyDate = text(options.studyDate);
  const studyTime = text(options.studyTime);
  const dataset: NaturalizedDataset = {
    // SOP Common
    SOPClassUID: sopClassUid,
    SOPInstanceUID: sopInstanceUid,
    // Patient; the identity is synthetic and says so.
    // Two components (family^given): a single-component name is the retired PN form dciodvfy warns about.
    PatientName: text(options.patient.name ?? `Demo^${options.patient.id}`),
    PatientID: text(options.patient.id),
    PatientBirthDate: '',
    PatientSex: options.patient.sex ?? '',
    PatientIdentityRemoved: 'YES',
    DeidentificationMethod: 'Synthetic patient identity; pixels from a public data set',
    // Patient Study
    ...(options.patient.ageYears === undefined ? {} : { PatientAge: age(options.patient.ageYears) }),
    // General Study
    StudyInstanceUID: studyInstanceUid,
    StudyDate: studyDate,
    StudyTime: studyTime,
    ReferringPhysicianName: '',
    StudyID: text(options.studyId),
    AccessionNumber: text(options.accessionNumber),
    ...(options.studyDescription ? { StudyDescription: text(options.studyDescription) } : {}),
    // General Series
    Modality: options.modality,
    SeriesInstanceUID: seriesInstanceUid,
    SeriesNumber: seriesNumber,
    ...(options.seriesDescription ? { SeriesDescription: text(options.seriesDescription) } : {}),
    BodyPartExamined: text(options.bodyPartExamined ?? 'CHEST'),
    // General Equipment
    Manufacturer: text(options.manufacturer),
    ...(options.institutionName ? { InstitutionName: text(options.institutionName) } : {}),
    // General Image
    InstanceNumber: instanceNumber,
    ContentDate: studyDate,
    ContentTime: studyTime,
    BurnedInAnnotation: options.burnedInAnnotation ?? 'NO',
    LossyImageCompression: pixels.lossy ? '01' : '00',
    ...(pixels.lossy ? { LossyImageCompressionMethod: 'ISO_10918_1' } : {}),
    ...(options.imageComments ? { ImageComments: text(options.imageComments) } : {}),
    ...specific.attributes,
    PixelData: [specific.pixelData],
  };
  if (options.modality === 'CT') delete dataset.PatientOrientation;

  const part10 = writePart10(dataset, { PixelData: specific.pixelVr });
  return { part10, studyInstanceUid, seriesInstanceUid, sopInstanceUid, sopClassUid, rows: pixels.rows, columns: pixels.columns };
}

/** Default character repertoire only (no Specific Character Set needed): accents folded, other characters dropped. */
function text(value: string | undefined): string {
  return (value ?? '').normalize('NFKD').replace(/[^\x20-\x7e]/g, '');
}

function age(years: number): string {
  if (!Number.isInteger(years) || years < 0 || years > 999) throw new RangeError(`wrapImageAsDicom: bad age ${years}`);
  return `${String(years).padStart(3, '0')}Y`;
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
