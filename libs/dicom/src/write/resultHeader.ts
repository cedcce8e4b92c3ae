import { LUNGFLOW_MANUFACTURER, LUNGFLOW_MODEL_NAME } from '../identity';
import { attr, type NaturalizedDataset } from '../read';
import type { AnalysisResult, ReferencedImage, ReferencedInstance } from './AnalysisResult';
import { codeItem } from './srItems';
import { resultUids, type ResultKind } from './uids';

// Patient, Patient Study and General Study attributes copied from the source so the result files under the same
// patient and study. Type 2 attributes (PS3.3 §C.7.1.1, §C.7.2.1) are written empty when the source lacks them.
const PATIENT_TYPE2 = ['PatientName', 'PatientID', 'PatientBirthDate', 'PatientSex'];
const PATIENT_OPTIONAL = ['IssuerOfPatientID', 'IssuerOfPatientIDQualifiersSequence', 'PatientSize', 'PatientWeight'];
const STUDY_TYPE2 = ['StudyDate', 'StudyTime', 'ReferringPhysicianName', 'StudyID', 'AccessionNumber'];
const STUDY_OPTIONAL = ['StudyDescription', 'IssuerOfAccessionNumberSequence', 'ProcedureCodeSequence'];

/** What every LungFlow result carries: patient and study of the source, a new series, our equipment, UIDs. */
export interface ResultHeader {
  dataset: NaturalizedDataset;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  analysed: ReferencedInstance[];
}

export function resultHeader(result: AnalysisResult, kind: ResultKind, sopClassUid: string, seriesNumber: number): ResultHeader {
  const { source, model } = result;
  const studyInstanceUid = attr.string(source, 'StudyInstanceUID');
  if (!studyInstanceUid) throw new RangeError('source data set has no StudyInstanceUID');
  const analysed = result.analysedInstances ?? [sourceInstance(source)];
  const first = analysed[0];
  if (!first) throw new RangeError('no analysed instance to reference');
  const uids = resultUids(
    {
      studyInstanceUid,
      seriesInstanceUid: first.seriesInstanceUid,
      sopInstanceUid: first.sopInstanceUid,
      modelVersion: `${model.id}@${model.version}`,
      analysedSopInstanceUids: analysed.map((instance) => instance.sopInstanceUid),
    },
    kind,
  );
  const now = result.now ?? new Date();
  const software = [result.softwareVersion ?? '0', `${model.id} ${model.version}`];

  const dataset: NaturalizedDataset = {
    SpecificCharacterSet: 'ISO_IR 192',
    SOPClassUID: sopClassUid,
    SOPInstanceUID: uids.sopInstanceUid,
    ...patientAndStudy(source),
    SeriesInstanceUID: uids.seriesInstanceUid,
    SeriesNumber: seriesNumber,
    SeriesDate: dicomDate(now),
    SeriesTime: dicomTime(now),
    InstanceNumber: 1,
    ...contentTimes(now),
    // General and Enhanced General Equipment: how ingest recognises LungFlow's own output (identity.ts).
    Manufacturer: LUNGFLOW_MANUFACTURER,
    ManufacturerModelName: LUNGFLOW_MODEL_NAME,
    DeviceSerialNumber: model.fileSha256.slice(0, 16),
    SoftwareVersions: software,
    ContributingEquipmentSequence: [
      {
        Manufacturer: LUNGFLOW_MANUFACTURER,
        ManufacturerModelName: model.name,
        DeviceSerialNumber: model.fileSha256.slice(0, 16),
        SoftwareVersions: software,
        PurposeOfReferenceCodeSequence: [codeItem({ value: '109102', scheme: 'DCM', meaning: 'Processing Equipment' })],
        ContributionDateTime: dicomDateTime(now),
        ContributionDescription: `AI analysis by ${model.name} ${model.version} (model SHA-256 ${model.fileSha256})`,
      },
    ],
  };
  return { dataset, studyInstanceUid, seriesInstanceUid: uids.seriesInstanceUid, sopInstanceUid: uids.sopInstanceUid, analysed };
}

/** Content and Instance Creation date and time (UTC). */
export function contentTimes(now: Date): NaturalizedDataset {
  return { ContentDate: dicomDate(now), ContentTime: dicomTime(now), InstanceCreationDate: dicomDate(now), InstanceCreationTime: dicomTime(now) };
}

/** Patient, Patient Study and General Study of the source, so a derived object files under the same patient and study. */
export function patientAndStudy(source: NaturalizedDataset): NaturalizedDataset {
  return {
    ...copy(source, PATIENT_TYPE2, true),
    ...copy(source, PATIENT_OPTIONAL, false),
    ...patientAge(source.PatientAge),
    StudyInstanceUID: source.StudyInstanceUID,
    ...copy(source, STUDY_TYPE2, true),
    ...copy(source, STUDY_OPTIONAL, false),
  };
}

export function sourceInstance(source: NaturalizedDataset): ReferencedInstance {
  const sopClassUid = attr.string(source, 'SOPClassUID');
  const sopInstanceUid = attr.string(source, 'SOPInstanceUID');
  const seriesInstanceUid = attr.string(source, 'SeriesInstanceUID');
  if (!sopClassUid || !sopInstanceUid || !seriesInstanceUid) {
    throw new RangeError('source data set lacks SOPClassUID, SOPInstanceUID or SeriesInstanceUID');
  }
  return { sopClassUid, sopInstanceUid, seriesInstanceUid };
}

/**
 * The analysed image of the source: its instance and, when the source is multi-frame (Number of Frames > 1), the
 * frame (1 by default), so every reference to "the image the findings are on" names that frame.
 */
export function sourceImage(source: NaturalizedDataset, frame: number | undefined): ReferencedImage {
  const instance = sourceInstance(source);
  const frames = attr.number(source, 'NumberOfFrames') ?? 1;
  if (frames <= 1) return instance;
  const chosen = frame ?? 1;
  if (!Number.isInteger(chosen) || chosen < 1 || chosen > frames) throw new RangeError(`frame ${chosen} is not among the source's ${frames} frames`);
  return { ...instance, frame: chosen };
}

/** Hierarchical references to the analysed instances (PS3.3 Table 10-4), grouped by series. */
export function evidenceSequence(studyInstanceUid: string, analysed: readonly ReferencedInstance[]): NaturalizedDataset[] {
  const bySeries = new Map<string, NaturalizedDataset[]>();
  for (const instance of analysed) {
    const list = bySeries.get(instance.seriesInstanceUid) ?? [];
    list.push({ ReferencedSOPClassUID: instance.sopClassUid, ReferencedSOPInstanceUID: instance.sopInstanceUid });
    bySeries.set(instance.seriesInstanceUid, list);
  }
  return [
    {
      StudyInstanceUID: studyInstanceUid,
      ReferencedSeriesSequence: [...bySeries].map(([SeriesInstanceUID, ReferencedSOPSequence]) => ({ SeriesInstanceUID, ReferencedSOPSequence })),
    },
  ];
}

/**
 * Patient's Age is AS, `nnnD|W|M|Y` (PS3.5 §6.2). Sources in the wild write `62` or `62Y`; a bare number is read as
 * years and padded, anything else unreadable is left out (the attribute is optional) rather than copied invalid.
 */
function patientAge(value: unknown): NaturalizedDataset {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim().toUpperCase() : '';
  const match = /^(\d{1,3})([DWMY]?)$/.exec(text);
  return match ? { PatientAge: `${(match[1] as string).padStart(3, '0')}${match[2] || 'Y'}` } : {};
}

function copy(source: NaturalizedDataset, keywords: readonly string[], type2: boolean): NaturalizedDataset {
  const out: NaturalizedDataset = {};
  for (const keyword of keywords) {
    const value = source[keyword];
    if (value !== undefined && value !== null) out[keyword] = value;
    else if (type2) out[keyword] = '';
  }
  return out;
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
export const dicomDate = (d: Date): string => `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;
export const dicomTime = (d: Date): string => `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
export const dicomDateTime = (d: Date): string => `${dicomDate(d)}${dicomTime(d)}+0000`;
