import dcmjs from 'dcmjs';
import type { NaturalizedDataset } from '../read';
import { derivedUid } from './uids';

const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
/** Identifies LungFlow as the writer of the File Meta (PS3.10 §7.1); stable across runs. */
export const IMPLEMENTATION_CLASS_UID = derivedUid('lungflow', 'implementation-class', '1');
const IMPLEMENTATION_VERSION_NAME = 'LUNGFLOW_1';

/**
 * A naturalized data set as Part-10 bytes (preamble, DICM, File Meta, Explicit VR Little Endian). dcmjs cannot write
 * a data set without `_meta` (it reads `_meta.TransferSyntaxUID` and throws), so the File Meta is built here.
 * `vrs` fixes the VR where the dictionary allows several (Pixel Data: OB for 8-bit samples).
 */
export function writePart10(dataset: NaturalizedDataset, vrs: Record<string, string> = {}): Uint8Array {
  const sopClassUid = dataset.SOPClassUID;
  const sopInstanceUid = dataset.SOPInstanceUID;
  if (typeof sopClassUid !== 'string' || typeof sopInstanceUid !== 'string') {
    throw new RangeError('writePart10: data set needs SOPClassUID and SOPInstanceUID');
  }
  const { DicomDict, DicomMetaDictionary } = dcmjs.data;
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(fileMeta(sopClassUid, sopInstanceUid, EXPLICIT_VR_LITTLE_ENDIAN)));
  dict.dict = DicomMetaDictionary.denaturalizeDataset({ ...dataset, _vrMap: vrs });
  const written = dict.write() as ArrayBuffer;
  return new Uint8Array(written);
}

/** The File Meta Information (PS3.10 §7.1) LungFlow writes, naturalized, for dcmjs's DicomDict. */
export function fileMeta(sopClassUid: string, sopInstanceUid: string, transferSyntaxUid: string): Record<string, unknown> {
  return {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: sopClassUid,
    MediaStorageSOPInstanceUID: sopInstanceUid,
    TransferSyntaxUID: transferSyntaxUid,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: IMPLEMENTATION_VERSION_NAME,
  };
}
