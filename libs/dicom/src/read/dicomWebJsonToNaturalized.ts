import dcmjs from 'dcmjs';
import { DicomError } from '../errors';
import type { NaturalizedDataset } from './attr';

/** One instance in the DICOM JSON Model (PS3.18 F.2): `{ "00080060": { "vr": "CS", "Value": ["CT"] } }`. */
export type DicomJson = Record<string, { vr?: string; Value?: unknown[]; InlineBinary?: string; BulkDataURI?: string }>;

/**
 * Turns QIDO-RS/WADO-RS metadata into the keyword form that readPart10 gives (`{ Modality: 'CT' }`), so scope
 * and pixel code serve both paths. Bulk data stays a `{ BulkDataURI }` or `{ InlineBinary }` object.
 */
export function dicomWebJsonToNaturalized(json: unknown): NaturalizedDataset {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new DicomError('DICOM_MALFORMED', 'DICOM JSON metadata must be one object keyed by tag');
  }
  for (const [tag, element] of Object.entries(json)) {
    if (!/^[0-9A-Fa-f]{8}$/.test(tag) || typeof element !== 'object' || element === null) {
      throw new DicomError('DICOM_MALFORMED', `DICOM JSON element ${tag.slice(0, 16)} is not a tag with an object`);
    }
    const value = (element as { Value?: unknown }).Value;
    if (value !== undefined && !Array.isArray(value)) {
      throw new DicomError('DICOM_MALFORMED', `DICOM JSON element ${tag} has a Value that is not an array`);
    }
  }
  try {
    return dcmjs.data.DicomMetaDictionary.naturalizeDataset(json) as NaturalizedDataset;
  } catch (error) {
    throw new DicomError('DICOM_MALFORMED', `DICOM JSON metadata could not be read: ${String(error)}`, {}, error);
  }
}
