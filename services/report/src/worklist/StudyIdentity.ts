import { firstString, type DicomJson } from '@lungflow/dicomweb';
import type { ReportPacs } from '../pacs/ReportPacs';

/**
 * What identifies a study to a person. Patient identity: never stored by LungFlow (not in Redis, not in events, not
 * in logs), read from the PACS when an authenticated user asks, and kept a minute in this process's memory.
 */
export interface StudyIdentity {
  patientName: string;
  patientId: string;
  accessionNumber: string;
  studyDescription: string;
  /** ISO-like local date-time of acquisition (the image's Acquisition Date/Time, else the study's). */
  acquiredAt: string | null;
  /** Rows and Columns of the analysed image (the grid a review's lesion mask is drawn on). */
  rows: number | null;
  columns: number | null;
}

const TAGS = {
  patientName: '00100010',
  patientId: '00100020',
  accessionNumber: '00080050',
  studyDescription: '00081030',
  studyDate: '00080020',
  studyTime: '00080030',
  acquisitionDate: '00080022',
  acquisitionTime: '00080032',
  acquisitionDateTime: '0008002A',
  rows: '00280010',
  columns: '00280011',
};
const TTL_MS = 60_000;
const MAX_ENTRIES = 2_000;

/** PN in the DICOM JSON model is `{Alphabetic: "Family^Given"}`; shown as "Family, Given". */
function personName(json: DicomJson, tag: string): string {
  const value = json[tag]?.Value?.[0] as { Alphabetic?: string } | string | undefined;
  const text = typeof value === 'string' ? value : (value?.Alphabetic ?? '');
  const [family = '', given = '', middle = ''] = text.split('^');
  return [family, [given, middle].filter(Boolean).join(' ')].filter(Boolean).join(', ');
}

function dateTime(date: string | undefined, time: string | undefined): string | null {
  if (!date || !/^\d{8}$/.test(date)) return null;
  const t = (time ?? '').replace(/[^0-9]/g, '').padEnd(6, '0');
  return `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${t.slice(0, 2)}:${t.slice(2, 4)}:${t.slice(4, 6)}`;
}

export function identityOf(json: DicomJson): StudyIdentity {
  const dt = firstString(json, TAGS.acquisitionDateTime);
  const acquiredAt =
    (dt ? dateTime(dt.slice(0, 8), dt.slice(8)) : null) ??
    dateTime(firstString(json, TAGS.acquisitionDate), firstString(json, TAGS.acquisitionTime)) ??
    dateTime(firstString(json, TAGS.studyDate), firstString(json, TAGS.studyTime));
  const int = (tag: string) => {
    const n = Number(firstString(json, tag));
    return Number.isInteger(n) && n > 0 ? n : null;
  };
  return {
    patientName: personName(json, TAGS.patientName),
    patientId: firstString(json, TAGS.patientId) ?? '',
    accessionNumber: firstString(json, TAGS.accessionNumber) ?? '',
    studyDescription: firstString(json, TAGS.studyDescription) ?? '',
    acquiredAt,
    rows: int(TAGS.rows),
    columns: int(TAGS.columns),
  };
}

/** Looks identities up over QIDO-RS (one instance query per study, cached a minute). */
export class StudyIdentityLookup {
  private readonly cache = new Map<string, { at: number; identity: Promise<StudyIdentity | undefined> }>();

  constructor(private readonly pacs: Pick<ReportPacs, 'searchInstances'>) {}

  get(studyInstanceUid: string, sopInstanceUid?: string): Promise<StudyIdentity | undefined> {
    const key = `${studyInstanceUid}/${sopInstanceUid ?? ''}`;
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < TTL_MS) return hit.identity;
    const identity = this.pacs
      .searchInstances({ ...(sopInstanceUid ? { SOPInstanceUID: sopInstanceUid } : {}), includefield: Object.values(TAGS), limit: 1 }, studyInstanceUid)
      .then((found) => (found[0] ? identityOf(found[0]) : undefined))
      .catch(() => {
        this.cache.delete(key); // a PACS hiccup is not remembered
        return undefined;
      });
    this.cache.set(key, { at: Date.now(), identity });
    if (this.cache.size > MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value as string);
    return identity;
  }
}
