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
 *
 * Native Pixel Data with its VR given, the last element of the data set, is appended here rather than by dcmjs:
 * dcmjs copies a value through 256-byte chunks (12,000 of them for a 1024² RGB SC, 28 ms of report's CPU per
 * study), while the element is only its tag, VR, length and bytes. The bytes are the same (writePart10.test.ts).
 */
export function writePart10(dataset: NaturalizedDataset, vrs: Record<string, string> = {}): Uint8Array {
  const sopClassUid = dataset.SOPClassUID;
  const sopInstanceUid = dataset.SOPInstanceUID;
  if (typeof sopClassUid !== 'string' || typeof sopInstanceUid !== 'string') {
    throw new RangeError('writePart10: data set needs SOPClassUID and SOPInstanceUID');
  }
  const pixels = nativePixelData(dataset, vrs);
  if (pixels === undefined) return writeWithDcmjs(dataset, vrs, sopClassUid, sopInstanceUid);
  const { PixelData: _pixelData, ...rest } = dataset;
  const { PixelData: _pixelVr, ...restVrs } = vrs;
  const head = writeWithDcmjs(rest, restVrs, sopClassUid, sopInstanceUid, true);
  if (head === undefined) return writeWithDcmjs(dataset, vrs, sopClassUid, sopInstanceUid);
  // (7FE0,0010), the VR, two reserved bytes and a 32-bit length (PS3.5 7.1.2), then the value
  const out = new Uint8Array(head.byteLength + 12 + pixels.bytes.byteLength);
  out.set(head, 0);
  const view = new DataView(out.buffer, head.byteLength, 12);
  view.setUint16(0, 0x7fe0, true);
  view.setUint16(2, 0x0010, true);
  view.setUint8(4, pixels.vr.charCodeAt(0));
  view.setUint8(5, pixels.vr.charCodeAt(1));
  view.setUint32(8, pixels.bytes.byteLength, true);
  out.set(pixels.bytes, head.byteLength + 12);
  return out;
}

/** The Pixel Data this writer appends itself: one native value of even length, as OB or OW. */
function nativePixelData(dataset: NaturalizedDataset, vrs: Record<string, string>): { bytes: Uint8Array; vr: 'OB' | 'OW' } | undefined {
  const vr = vrs.PixelData;
  if (vr !== 'OB' && vr !== 'OW') return undefined;
  const value = Array.isArray(dataset.PixelData) && dataset.PixelData.length === 1 ? dataset.PixelData[0] : dataset.PixelData;
  if (!(value instanceof ArrayBuffer) || value.byteLength % 2 !== 0) return undefined;
  return { bytes: new Uint8Array(value), vr };
}

/**
 * dcmjs's Part-10 bytes. With `beforePixelData`, undefined when an element would sort after (7FE0,0010) (dcmjs
 * writes in tag order, so appended Pixel Data would no longer be last).
 */
function writeWithDcmjs(dataset: NaturalizedDataset, vrs: Record<string, string>, sopClassUid: string, sopInstanceUid: string, beforePixelData: true): Uint8Array | undefined;
function writeWithDcmjs(dataset: NaturalizedDataset, vrs: Record<string, string>, sopClassUid: string, sopInstanceUid: string): Uint8Array;
function writeWithDcmjs(dataset: NaturalizedDataset, vrs: Record<string, string>, sopClassUid: string, sopInstanceUid: string, beforePixelData = false): Uint8Array | undefined {
  const { DicomDict, DicomMetaDictionary } = dcmjs.data;
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(fileMeta(sopClassUid, sopInstanceUid, EXPLICIT_VR_LITTLE_ENDIAN)));
  dict.dict = DicomMetaDictionary.denaturalizeDataset({ ...dataset, _vrMap: vrs });
  if (beforePixelData && Object.keys(dict.dict).some((tag) => tag.toUpperCase() >= '7FE00010')) return undefined;
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
