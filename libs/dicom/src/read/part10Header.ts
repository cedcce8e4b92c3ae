import dcmjs from 'dcmjs';
import { DicomError } from '../errors';
import { readFileMeta } from './fileMeta';
import { inflateDataSet } from './inflateDataSet';
import { DEFAULT_READ_LIMITS } from './readLimits';
import { TRANSFER_SYNTAX } from './transferSyntax';

export interface Part10Header {
  sopClassUid: string;
  sopInstanceUid: string;
  transferSyntaxUid: string;
  studyInstanceUid?: string;
  seriesInstanceUid?: string;
  /** Where the data set starts: after preamble, `DICM` and the File Meta group (PS3.10 §7.1). */
  dataSetOffset: number;
}

/** Caps on inflating a Deflated Explicit VR Little Endian data set (PS3.5 §A.5) to read its header. */
export interface Part10HeaderLimits {
  /** Largest inflated data set, in bytes, whatever its deflated size. */
  maxInflatedBytes: number;
  /**
   * Largest inflated ÷ deflated size believed. zlib reaches ~1,000:1 on zeros, which is what a deflate bomb is made
   * of; real images deflate by 2–10:1. 100:1 is the bound Apache POI's zip-bomb guard uses (ZipSecureFile's
   * minimum inflate ratio 0.01).
   */
  maxInflateRatio: number;
  /** Below this inflated size the ratio is not checked (a small data set of padding or empty values may deflate by more). */
  ratioFreeBytes: number;
}

export const DEFAULT_PART10_HEADER_LIMITS: Readonly<Part10HeaderLimits> = Object.freeze({
  maxInflatedBytes: DEFAULT_READ_LIMITS.maxFileBytes,
  maxInflateRatio: 100,
  ratioFreeBytes: 1024 * 1024,
});

function first(dict: Record<string, { Value?: unknown[] }>, tag: string): string | undefined {
  const value = dict[tag]?.Value?.[0];
  return typeof value === 'string' && value !== '' ? value.replace(/\0+$/, '').trim() : undefined;
}

/** A File Meta group naming only the transfer syntax: what dcmjs needs to read the inflated data set as Explicit VR LE. */
function explicitLittleMeta(transferSyntaxUid: string): Uint8Array {
  const uid = transferSyntaxUid.length % 2 === 0 ? transferSyntaxUid : `${transferSyntaxUid}\0`;
  const out = new Uint8Array(128 + 4 + 12 + 8 + uid.length);
  const view = new DataView(out.buffer);
  out.set([0x44, 0x49, 0x43, 0x4d], 128); // DICM
  out.set([0x02, 0x00, 0x00, 0x00, 0x55, 0x4c], 132); // (0002,0000) UL
  view.setUint16(138, 4, true);
  view.setUint32(140, 8 + uid.length, true);
  out.set([0x02, 0x00, 0x10, 0x00, 0x55, 0x49], 144); // (0002,0010) UI
  view.setUint16(150, uid.length, true);
  for (let i = 0; i < uid.length; i++) out[152 + i] = uid.charCodeAt(i);
  return out;
}

/**
 * The identifiers of a Part-10 file without reading its pixels: what a DIMSE receiver needs to route an instance
 * and what a C-STORE sender needs for its command (affected SOP class and instance, transfer syntax).
 *
 * A Deflated data set is inflated here with its output capped (limits), not by dcmjs, which inflates all of it:
 * a 64 KiB deflate bomb would otherwise become 64 MiB (or gigabytes) in memory before any tag is read. Past the
 * cap it throws DICOM_TOO_LARGE, having inflated no more than the cap (zlib's maxOutputLength stops there).
 */
export function readPart10Header(part10: Uint8Array, limits: Partial<Part10HeaderLimits> = {}): Part10Header {
  const caps = { ...DEFAULT_PART10_HEADER_LIMITS, ...Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined)) } as Part10HeaderLimits;
  let meta: ReturnType<typeof readFileMeta>;
  try {
    meta = readFileMeta(part10);
  } catch (error) {
    throw new DicomError('DICOM_MALFORMED', `not a Part-10 file with a File Meta group (PS3.10 §7.1): ${(error as Error).message}`, {}, error);
  }
  let readable = part10;
  if (meta.transferSyntaxUid === TRANSFER_SYNTAX.deflatedExplicitLittle) {
    const deflatedBytes = part10.length - meta.dataSetOffset;
    const cap = Math.min(caps.maxInflatedBytes, Math.max(caps.ratioFreeBytes, deflatedBytes * caps.maxInflateRatio));
    try {
      readable = inflateDataSet(part10, cap, explicitLittleMeta);
    } catch (error) {
      if (error instanceof DicomError && error.code === 'DICOM_TOO_LARGE') {
        const why = cap < caps.maxInflatedBytes ? `more than ${caps.maxInflateRatio}:1 of its ${deflatedBytes} deflated bytes (a deflate bomb)` : 'the cap';
        throw new DicomError('DICOM_TOO_LARGE', `the deflated data set inflates beyond ${cap} bytes, ${why}`, { sopInstanceUid: meta.sopInstanceUid, deflatedBytes, maxInflatedBytes: cap }, error);
      }
      throw error;
    }
  }
  const whole = readable.byteOffset === 0 && readable.byteLength === readable.buffer.byteLength;
  const buffer = (whole ? readable.buffer : readable.buffer.slice(readable.byteOffset, readable.byteOffset + readable.byteLength)) as ArrayBuffer;
  let file: { meta: Record<string, { Value?: unknown[] }>; dict: Record<string, { Value?: unknown[] }> };
  try {
    file = dcmjs.data.DicomMessage.readFile(buffer, { untilTag: '7FE00010', includeUntilTagValue: false });
  } catch (error) {
    throw new DicomError('DICOM_MALFORMED', `Part-10 header could not be read: ${(error as Error).message}`, {}, error);
  }
  const sopClassUid = meta.sopClassUid || first(file.dict, '00080016');
  const sopInstanceUid = meta.sopInstanceUid || first(file.dict, '00080018');
  const transferSyntaxUid = meta.transferSyntaxUid;
  if (!sopClassUid || !sopInstanceUid || !transferSyntaxUid) throw new DicomError('DICOM_MALFORMED', 'Part-10 file names no SOP class, SOP instance or transfer syntax');
  return { sopClassUid, sopInstanceUid, transferSyntaxUid, studyInstanceUid: first(file.dict, '0020000D'), seriesInstanceUid: first(file.dict, '0020000E'), dataSetOffset: meta.dataSetOffset };
}
