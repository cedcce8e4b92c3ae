import { inflateRawSync } from 'zlib';
import { DicomError } from '../errors';
import { TRANSFER_SYNTAX } from './transferSyntax';

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);

/** Transfer Syntax UID from the File Meta (Explicit VR Little Endian, after preamble + "DICM") and where it ends. */
export function fileMetaSyntax(bytes: Uint8Array): { transferSyntaxUid?: string; datasetOffset: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 132;
  let transferSyntaxUid: string | undefined;
  while (at + 8 <= bytes.length && view.getUint16(at, true) === 0x0002) {
    const element = view.getUint16(at + 2, true);
    const vr = String.fromCharCode(bytes[at + 4], bytes[at + 5]);
    const long = LONG_VRS.has(vr);
    if (long && at + 12 > bytes.length) break;
    const length = long ? view.getUint32(at + 8, true) : view.getUint16(at + 6, true);
    const valueAt = at + (long ? 12 : 8);
    if (element === 0x0010) {
      transferSyntaxUid = String.fromCharCode(...bytes.subarray(valueAt, Math.min(valueAt + length, bytes.length))).replace(/[\0 ]+$/, '');
    }
    at = valueAt + length;
  }
  return { transferSyntaxUid, datasetOffset: at };
}

/**
 * Inflates a Deflated Explicit VR Little Endian data set (PS3.5 A.5) here, with the output capped at
 * `maxBytes`, rather than letting dcmjs inflate it without a bound: a few kilobytes of deflate stream can expand
 * to gigabytes. Returns the file re-headed as Explicit VR Little Endian, or the input unchanged for other syntaxes.
 */
export function inflateDataSet(bytes: Uint8Array, maxBytes: number, fileMeta: (syntax: string) => Uint8Array): Uint8Array {
  const { transferSyntaxUid, datasetOffset } = fileMetaSyntax(bytes);
  if (transferSyntaxUid !== TRANSFER_SYNTAX.deflatedExplicitLittle) return bytes;
  let inflated: Buffer;
  try {
    inflated = inflateRawSync(bytes.subarray(datasetOffset), { maxOutputLength: maxBytes });
  } catch (error) {
    if (error instanceof RangeError || (error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new DicomError('DICOM_TOO_LARGE', `the deflated data set inflates beyond the cap of ${maxBytes} bytes`, { maxFileBytes: maxBytes }, error);
    }
    throw new DicomError('DICOM_MALFORMED', `the deflated data set does not inflate: ${(error as Error).message}`, {}, error);
  }
  const meta = fileMeta(TRANSFER_SYNTAX.explicitLittle);
  const out = new Uint8Array(meta.length + inflated.length);
  out.set(meta);
  out.set(inflated, meta.length);
  return out;
}
