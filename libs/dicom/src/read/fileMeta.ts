import { DicomError } from '../errors';

export interface FileMetaInformation {
  /** Media Storage SOP Class UID (0002,0002). */
  sopClassUid?: string;
  /** Media Storage SOP Instance UID (0002,0003). */
  sopInstanceUid?: string;
  /** Transfer Syntax UID (0002,0010). */
  transferSyntaxUid?: string;
  /** Where the data set starts. */
  dataSetOffset: number;
}

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);

/**
 * The File Meta Information (PS3.10 §7.1) of a Part-10 file, and nothing else: the data set is not parsed, so no
 * deflated stream is inflated and no length inside it is trusted. For a door (ingest's STOW-RS) that must refuse
 * what is not a DICOM file, with a reason, before forwarding it, at a cost that does not depend on the content.
 * Throws DICOM_MALFORMED (not Part-10) or DICOM_TRUNCATED (the group ends past the file).
 */
export function readFileMeta(bytes: Uint8Array): FileMetaInformation {
  if (bytes.length < 144) throw new DicomError('DICOM_TRUNCATED', `${bytes.length} bytes: shorter than a preamble, "DICM" and a File Meta group length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = String.fromCharCode(bytes[128]!, bytes[129]!, bytes[130]!, bytes[131]!);
  if (magic !== 'DICM') throw new DicomError('DICOM_MALFORMED', 'no "DICM" prefix after the 128-byte preamble (PS3.10 §7.1): not a Part-10 file');
  if (view.getUint16(132, true) !== 0x0002 || view.getUint16(134, true) !== 0x0000 || String.fromCharCode(bytes[136]!, bytes[137]!) !== 'UL') {
    throw new DicomError('DICOM_MALFORMED', 'the File Meta group does not start with its group length (0002,0000) UL');
  }
  const groupEnd = 144 + view.getUint32(140, true);
  if (groupEnd > bytes.length) throw new DicomError('DICOM_TRUNCATED', `the File Meta group claims to end at byte ${groupEnd} of ${bytes.length}`);
  const out: FileMetaInformation = { dataSetOffset: groupEnd };
  let at = 144;
  while (at < groupEnd) {
    if (at + 8 > groupEnd || view.getUint16(at, true) !== 0x0002) throw new DicomError('DICOM_MALFORMED', `File Meta element at byte ${at} is not of group 0002 or runs past the group`);
    const element = view.getUint16(at + 2, true);
    const vr = String.fromCharCode(bytes[at + 4]!, bytes[at + 5]!);
    const long = LONG_VRS.has(vr);
    const length = long ? (at + 12 <= groupEnd ? view.getUint32(at + 8, true) : Infinity) : view.getUint16(at + 6, true);
    const valueAt = at + (long ? 12 : 8);
    if (valueAt + length > groupEnd) throw new DicomError('DICOM_MALFORMED', `File Meta element (0002,${element.toString(16).padStart(4, '0')}) runs past the group`);
    const value = () => new TextDecoder('latin1').decode(bytes.subarray(valueAt, valueAt + length)).replace(/[\0 ]+$/, '');
    if (element === 0x0002) out.sopClassUid = value();
    else if (element === 0x0003) out.sopInstanceUid = value();
    else if (element === 0x0010) out.transferSyntaxUid = value();
    at = valueAt + length;
  }
  return out;
}
