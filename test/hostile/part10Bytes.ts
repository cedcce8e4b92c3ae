/**
 * Byte-level reading and writing of flat Explicit VR Little Endian Part-10 files (PS3.10 §7.1, PS3.5 §7.1.2), for
 * the hostile-input generator: unlike dcmjs it writes whatever it is given (wrong lengths, odd VRs, mislabelled
 * transfer syntaxes), which is the point. Sequences are not parsed: the committed samples it starts from have none.
 */

const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);

export interface Element {
  /** `ggggeeee`, upper-case hex (as DICOM JSON names tags). */
  tag: string;
  vr: string;
  value: Buffer;
  /** A sequence of undefined length: `value` holds its items and the Sequence Delimitation Item, kept as they were. */
  undefinedLength?: boolean;
}

export const TAG = {
  SOPClassUID: '00080016',
  SOPInstanceUID: '00080018',
  Modality: '00080060',
  StudyInstanceUID: '0020000D',
  SeriesInstanceUID: '0020000E',
  NumberOfFrames: '00280008',
  Rows: '00280010',
  Columns: '00280011',
  BitsAllocated: '00280100',
  BitsStored: '00280101',
  HighBit: '00280102',
  PixelData: '7FE00010',
  TrailingPadding: 'FFFCFFFC',
} as const;

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n & 0xffff);
  return b;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}

/** One element, with the length its value has unless `length` says otherwise (a wrong length, on purpose). */
export function encodeElement({ tag, vr, value, undefinedLength }: Element, length = undefinedLength ? 0xffffffff : value.length): Buffer {
  const group = parseInt(tag.slice(0, 4), 16);
  const element = parseInt(tag.slice(4), 16);
  const head = LONG_VRS.has(vr) ? Buffer.concat([u16(group), u16(element), Buffer.from(vr, 'latin1'), Buffer.alloc(2), u32(length)]) : Buffer.concat([u16(group), u16(element), Buffer.from(vr, 'latin1'), u16(length)]);
  return Buffer.concat([head, value]);
}

/** A text value padded to even length (PS3.5 §6.2: UI with NUL, others with a space). */
export function text(value: string, vr = 'LO'): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  return bytes.length % 2 === 0 ? bytes : Buffer.concat([bytes, Buffer.from(vr === 'UI' ? [0] : [0x20])]);
}

export function us(n: number): Buffer {
  return u16(n);
}

const tagAt = (bytes: Buffer, at: number) => (bytes.readUInt16LE(at).toString(16).padStart(4, '0') + bytes.readUInt16LE(at + 2).toString(16).padStart(4, '0')).toUpperCase();

/** Where the undefined-length sequence whose items start at `at` ends (after its Sequence Delimitation Item). */
function endOfSequence(bytes: Buffer, at: number): number {
  while (at + 8 <= bytes.length) {
    const tag = tagAt(bytes, at);
    const length = bytes.readUInt32LE(at + 4);
    if (tag === 'FFFEE0DD') return at + 8;
    if (tag !== 'FFFEE000') throw new RangeError(`expected an item at ${at}, found ${tag}`);
    at += 8;
    if (length !== 0xffffffff) {
      at += length;
      continue;
    }
    // an item of undefined length: its elements, then the Item Delimitation Item
    while (tagAt(bytes, at) !== 'FFFEE00D') at = endOfElement(bytes, at);
    at += 8;
  }
  throw new RangeError('sequence without its delimitation item');
}

function endOfElement(bytes: Buffer, at: number): number {
  const vr = bytes.toString('latin1', at + 4, at + 6);
  const long = LONG_VRS.has(vr);
  const length = long ? bytes.readUInt32LE(at + 8) : bytes.readUInt16LE(at + 6);
  const valueAt = at + (long ? 12 : 8);
  return length === 0xffffffff ? endOfSequence(bytes, valueAt) : valueAt + length;
}

/** The top-level elements of an Explicit VR Little Endian byte run (a data set, or the File Meta group). */
export function parseElements(bytes: Buffer): Element[] {
  const out: Element[] = [];
  let at = 0;
  while (at + 8 <= bytes.length) {
    const tag = tagAt(bytes, at);
    const vr = bytes.toString('latin1', at + 4, at + 6);
    const long = LONG_VRS.has(vr);
    const length = long ? bytes.readUInt32LE(at + 8) : bytes.readUInt16LE(at + 6);
    const valueAt = at + (long ? 12 : 8);
    const end = endOfElement(bytes, at);
    out.push({ tag, vr, value: bytes.subarray(valueAt, end), ...(length === 0xffffffff ? { undefinedLength: true } : {}) });
    at = end;
  }
  return out;
}

/** The data set of a Part-10 file (after preamble, `DICM` and the File Meta group). */
export function dataSetOf(part10: Buffer): Buffer {
  const metaLength = part10.readUInt32LE(140);
  return part10.subarray(144 + metaLength);
}

export interface FileMeta {
  sopClassUid: string;
  sopInstanceUid: string;
  transferSyntaxUid: string;
}

/** Preamble, `DICM` and a File Meta group (PS3.10 §7.1) naming these UIDs. */
export function fileMeta({ sopClassUid, sopInstanceUid, transferSyntaxUid }: FileMeta): Buffer {
  const group = Buffer.concat([
    encodeElement({ tag: '00020001', vr: 'OB', value: Buffer.from([0, 1]) }),
    encodeElement({ tag: '00020002', vr: 'UI', value: text(sopClassUid, 'UI') }),
    encodeElement({ tag: '00020003', vr: 'UI', value: text(sopInstanceUid, 'UI') }),
    encodeElement({ tag: '00020010', vr: 'UI', value: text(transferSyntaxUid, 'UI') }),
    encodeElement({ tag: '00020012', vr: 'UI', value: text('2.25.1616', 'UI') }),
    encodeElement({ tag: '00020013', vr: 'SH', value: text('LF_HOSTILE') }),
  ]);
  return Buffer.concat([Buffer.alloc(128), Buffer.from('DICM', 'latin1'), encodeElement({ tag: '00020000', vr: 'UL', value: u32(group.length) }), group]);
}

/** Sets (or adds, in tag order) an element; `null` removes it. */
export function setElement(elements: Element[], tag: string, element: Omit<Element, 'tag'> | null): Element[] {
  const rest = elements.filter((e) => e.tag !== tag);
  if (element === null) return rest;
  return [...rest, { tag, ...element }].sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
}

export function encodeElements(elements: readonly Element[]): Buffer {
  return Buffer.concat(elements.map((e) => encodeElement(e)));
}
