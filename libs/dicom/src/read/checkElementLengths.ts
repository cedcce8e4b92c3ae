import { DicomError } from '../errors';

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);
const UNDEFINED = 0xffffffff;
const ITEM = 0xfffee000;
const ITEM_END = 0xfffee00d;
const SEQUENCE_END = 0xfffee0dd;
/** Deeper than any real object (SR content trees stay well under it); dcmjs needs quadratic time for deep nests. */
export const MAX_SEQUENCE_DEPTH = 64;

/** Stops the walk where the bytes stop making sense; dcmjs then judges them. */
class Unreadable extends Error {}

/**
 * Finds the element whose length runs past the end of the file, before dcmjs reads it: dcmjs clips such a value
 * silently, so an element cut short, or a length corrupted upwards, would swallow the rest of the file, Pixel
 * Data included, and be reported as "no Pixel Data". Walks the File Meta (Explicit VR Little Endian) and then the
 * data set in its syntax (PS3.5 7.1), into sequences and items of undefined length (7.5) and encapsulated Pixel
 * Data (A.4). Only lengths are judged: anything else unexpected ends the walk quietly.
 */
export function checkElementLengths(bytes: Uint8Array, datasetExplicit: boolean, bigEndian: boolean): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.byteLength;

  const tagAt = (at: number, big: boolean) => ((view.getUint16(at, !big) << 16) | view.getUint16(at + 2, !big)) >>> 0;

  /** Reads one element header at `at`; returns the offset after its value. */
  const element = (at: number, explicit: boolean, big: boolean, depth: number): number => {
    if (at + 8 > end) throw truncated(at, 'an element header');
    const tag = tagAt(at, big);
    let length: number;
    let valueAt: number;
    let sequenceExplicit = explicit;
    const vr = String.fromCharCode(bytes[at + 4], bytes[at + 5]);
    if (explicit && (tag >>> 16) !== 0xfffe) {
      if (!/^[A-Z]{2}$/.test(vr)) throw new Unreadable();
      if (LONG_VRS.has(vr)) {
        if (at + 12 > end) throw truncated(at, 'an element header');
        length = view.getUint32(at + 8, !big);
        valueAt = at + 12;
      } else {
        length = view.getUint16(at + 6, !big);
        valueAt = at + 8;
      }
      // CP-246: UN of undefined length is an implicit VR sequence
      if (vr === 'UN' && length === UNDEFINED) sequenceExplicit = false;
    } else {
      length = view.getUint32(at + 4, !big);
      valueAt = at + 8;
    }
    if (length === UNDEFINED) {
      // encapsulated Pixel Data (PS3.5 A.4) holds fragments of codestream, not data sets
      const fragments = tag === 0x7fe00010 || (explicit && (vr === 'OB' || vr === 'OW'));
      return items(valueAt, sequenceExplicit, big, depth + 1, undefined, fragments);
    }
    if (valueAt + length > end) throw truncated(at, `element (${hex(tag >>> 16)},${hex(tag & 0xffff)}) of ${length} bytes`);
    // a defined-length sequence is entered too when its VR says so, to bound its depth
    if (explicit && vr === 'SQ' && length > 0) items(valueAt, explicit, big, depth + 1, valueAt + length);
    return valueAt + length;
  };

  /** Items until the Sequence Delimitation Item; each of defined length, or elements until its delimiter. */
  const items = (at: number, explicit: boolean, big: boolean, depth: number, stop?: number, fragments = false): number => {
    if (depth > MAX_SEQUENCE_DEPTH) {
      throw new DicomError('DICOM_MALFORMED', `sequences nested deeper than ${MAX_SEQUENCE_DEPTH} levels`, { offset: at });
    }
    for (;;) {
      if (stop !== undefined && at >= stop) return at;
      if (at + 8 > end) throw truncated(at, 'a sequence without its delimiter');
      const tag = tagAt(at, big);
      const length = view.getUint32(at + 4, !big);
      if (tag === SEQUENCE_END) return at + 8;
      if (tag !== ITEM) throw new Unreadable();
      at += 8;
      if (length !== UNDEFINED) {
        if (at + length > end) throw truncated(at - 8, `an item of ${length} bytes`);
        // explicit VR shows nested sequences, so the item is walked to bound the depth; implicit VR is skipped
        const itemEnd = at + length;
        if (explicit && !fragments) {
          let inner = at;
          while (inner < itemEnd) inner = element(inner, explicit, big, depth);
          if (inner !== itemEnd) throw new Unreadable();
        }
        at = itemEnd;
        continue;
      }
      for (;;) {
        if (at + 8 > end) throw truncated(at, 'an item without its delimiter');
        if (tagAt(at, big) === ITEM_END) break;
        at = element(at, explicit, big, depth);
      }
      at += 8;
    }
  };

  try {
    let at = 132;
    while (at + 4 <= end && view.getUint16(at, true) === 0x0002) at = element(at, true, false, 0);
    while (at < end) {
      // trailing padding bytes after the last element are tolerated
      if (at + 8 > end && bytes.subarray(at).every((b) => b === 0)) return;
      at = element(at, datasetExplicit, bigEndian, 0);
    }
  } catch (error) {
    if (error instanceof Unreadable || error instanceof RangeError) return;
    throw error;
  }
}

function truncated(at: number, what: string): DicomError {
  return new DicomError('DICOM_TRUNCATED', `the file ends inside ${what} that starts at byte ${at}`, { offset: at });
}

function hex(n: number): string {
  return n.toString(16).padStart(4, '0').toUpperCase();
}
