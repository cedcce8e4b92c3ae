import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import dcmjs from 'dcmjs';
import { sharedDataDir } from './paths';

/** A fresh UID under the UUID root 2.25 (PS3.5 §B.2), so every test stores studies nobody else has. */
export function newUid(): string {
  return `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`).toString()}`;
}

/** Bytes of a real DICOM file from ../shared/data/dicom (never copied into the repository). */
export function sharedDicom(relativePath: string): Buffer {
  return readFileSync(resolve(sharedDataDir(), 'dicom', relativePath));
}

export interface DicomRewrite {
  studyUid: string;
  seriesUid: string;
  sopUid?: string;
  /** Attributes to set, by keyword (string values; `null` removes the attribute). */
  set?: Record<string, string | null>;
  /** Removes Pixel Data and every other group 0028 attribute (to make a non-image object from a real header). */
  stripPixels?: boolean;
}

function tagOf(keyword: string): string {
  const entry = dcmjs.data.DicomMetaDictionary.nameMap[keyword] as { tag: string; vr: string } | undefined;
  if (!entry) throw new RangeError(`unknown DICOM keyword ${keyword}`);
  return dcmjs.data.DicomMetaDictionary.unpunctuateTag(entry.tag) as string;
}

function vrOf(keyword: string): string {
  return (dcmjs.data.DicomMetaDictionary.nameMap[keyword] as { vr: string }).vr;
}

type Element = { vr: string; Value?: unknown[]; _rawValue?: unknown };

/**
 * A real file with new Study/Series/SOP Instance UIDs (and the File Meta's Media Storage SOP Instance UID), a test
 * patient instead of the original Patient Name/ID/Birth Date, and any attributes the test sets. Pixel data
 * travels untouched (in its original transfer syntax) unless `stripPixels`.
 */
export function rewriteDicom(source: Buffer, rewrite: DicomRewrite): Buffer {
  const arrayBuffer = source.buffer.slice(source.byteOffset, source.byteOffset + source.byteLength);
  const file = dcmjs.data.DicomMessage.readFile(arrayBuffer) as { meta: Record<string, Element>; dict: Record<string, Element>; write(): ArrayBuffer };
  const sopUid = rewrite.sopUid ?? newUid();
  const values: Record<string, string | null> = {
    StudyInstanceUID: rewrite.studyUid,
    SeriesInstanceUID: rewrite.seriesUid,
    SOPInstanceUID: sopUid,
    PatientName: 'LUNGFLOW^TEST',
    PatientID: `test-${rewrite.studyUid.slice(-8)}`,
    PatientBirthDate: null,
    ...rewrite.set,
  };
  for (const [keyword, value] of Object.entries(values)) {
    const tag = tagOf(keyword);
    if (value === null) {
      delete file.dict[tag];
      continue;
    }
    const vr = file.dict[tag]?.vr ?? vrOf(keyword);
    file.dict[tag] = { vr, Value: [vr === 'PN' ? { Alphabetic: value } : value] };
  }
  if (rewrite.stripPixels) {
    for (const tag of Object.keys(file.dict)) if (tag.startsWith('0028') || tag === '7FE00010') delete file.dict[tag];
  }
  file.meta['00020003'] = { vr: 'UI', Value: [sopUid] };
  if (values.SOPClassUID) file.meta['00020002'] = { vr: 'UI', Value: [values.SOPClassUID] };
  return Buffer.from(file.write());
}
