import dcmjs from 'dcmjs';
import { DicomError } from '../errors';

export interface Part10Header {
  sopClassUid: string;
  sopInstanceUid: string;
  transferSyntaxUid: string;
  studyInstanceUid?: string;
  seriesInstanceUid?: string;
  /** Where the data set starts: after preamble, `DICM` and the File Meta group (PS3.10 §7.1). */
  dataSetOffset: number;
}

function first(dict: Record<string, { Value?: unknown[] }>, tag: string): string | undefined {
  const value = dict[tag]?.Value?.[0];
  return typeof value === 'string' && value !== '' ? value.replace(/\0+$/, '').trim() : undefined;
}

/**
 * The identifiers of a Part-10 file without reading its pixels: what a DIMSE receiver needs to route an instance
 * and what a C-STORE sender needs for its command (affected SOP class and instance, transfer syntax).
 */
export function readPart10Header(part10: Uint8Array): Part10Header {
  const view = new DataView(part10.buffer, part10.byteOffset, part10.byteLength);
  const magic = part10.length >= 144 ? new TextDecoder().decode(part10.subarray(128, 132)) : '';
  // The File Meta Information Group Length (0002,0000) is required and Explicit VR Little Endian: UL, 4 bytes.
  if (magic !== 'DICM' || view.getUint16(132, true) !== 0x0002 || view.getUint16(134, true) !== 0x0000) {
    throw new DicomError('DICOM_MALFORMED', 'not a Part-10 file with a File Meta group length (PS3.10 §7.1)');
  }
  const dataSetOffset = 144 + view.getUint32(140, true);
  const buffer = part10.buffer.slice(part10.byteOffset, part10.byteOffset + part10.byteLength) as ArrayBuffer;
  let file: { meta: Record<string, { Value?: unknown[] }>; dict: Record<string, { Value?: unknown[] }> };
  try {
    file = dcmjs.data.DicomMessage.readFile(buffer, { untilTag: '7FE00010', includeUntilTagValue: false });
  } catch (error) {
    throw new DicomError('DICOM_MALFORMED', `Part-10 header could not be read: ${(error as Error).message}`, {}, error);
  }
  const sopClassUid = first(file.meta, '00020002') ?? first(file.dict, '00080016');
  const sopInstanceUid = first(file.meta, '00020003') ?? first(file.dict, '00080018');
  const transferSyntaxUid = first(file.meta, '00020010');
  if (!sopClassUid || !sopInstanceUid || !transferSyntaxUid) throw new DicomError('DICOM_MALFORMED', 'Part-10 file names no SOP class, SOP instance or transfer syntax');
  return { sopClassUid, sopInstanceUid, transferSyntaxUid, studyInstanceUid: first(file.dict, '0020000D'), seriesInstanceUid: first(file.dict, '0020000E'), dataSetOffset };
}
