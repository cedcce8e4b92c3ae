import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { prng } from '../../libs/dicom/src/read/__tests__/prng';
import { REPO_ROOT } from '../helpers/paths';
import { TAG, dataSetOf, encodeElement, encodeElements, fileMeta, parseElements, setElement, text, us, type Element } from './part10Bytes';

/**
 * Issue 16, "hostile input through every door": a seeded, deterministic generator of malformed and hostile DICOM
 * instances made from the committed samples/ (never from patient data). Each instance is its own study, series and
 * SOP instance (UIDs derived from the seed), so what the pipeline did with it can be counted by UID: refused at the
 * door, filtered by ingest, dead-lettered by infer or report, or analysed (a hostile string in a valid image).
 */
export type HostileKind =
  | 'truncated'
  | 'garbage'
  | 'wrong-length'
  | 'deflate-bomb'
  | 'huge-dimensions'
  | 'transfer-syntax'
  | 'sop-class'
  | 'broken-uid'
  | 'markup'
  | 'pixel-attributes';

/** How many of each kind in a run of 1,000 (scaled for other sizes; every kind appears at least once). */
const MIX: ReadonlyArray<readonly [HostileKind, number]> = [
  ['truncated', 120],
  ['garbage', 40],
  ['wrong-length', 120],
  ['deflate-bomb', 12],
  ['huge-dimensions', 150],
  ['transfer-syntax', 110],
  ['sop-class', 110],
  ['broken-uid', 130],
  ['markup', 78],
  ['pixel-attributes', 130],
];

export interface HostileInstance {
  index: number;
  kind: HostileKind;
  /** What exactly was done (for the failure message of an unaccounted instance). */
  mutation: string;
  bytes: Buffer;
  /** The UIDs the file carries (a broken-uid instance carries the broken one). */
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
}

/** Strings that become markup, script or template code if anything renders them unescaped. */
export const MARKUP = [
  '<script>alert("lf")</script>',
  '"><img src=x onerror=alert(1)>',
  "';alert(String.fromCharCode(76,70))//",
  '<svg/onload=alert(1)>',
  '{{constructor.constructor("alert(1)")()}}',
  '<iframe src="javascript:alert(1)">',
  '&lt;b&gt;&#x3C;script&#x3E;',
  '</textarea><script>alert(1)</script>',
];

/** Text VRs and an attribute of each in the samples (or added), for "markup in every text VR". */
const TEXT_ATTRIBUTES: ReadonlyArray<readonly [string, string]> = [
  ['00080050', 'SH'], // AccessionNumber
  ['00080070', 'LO'], // Manufacturer
  ['00080080', 'LO'], // InstitutionName
  ['00080090', 'PN'], // ReferringPhysicianName
  ['00081030', 'LO'], // StudyDescription
  ['0008103E', 'LO'], // SeriesDescription
  ['00081090', 'LO'], // ManufacturerModelName
  ['00100010', 'PN'], // PatientName
  ['00100020', 'LO'], // PatientID
  ['00102180', 'SH'], // Occupation
  ['00104000', 'LT'], // PatientComments
  ['00204000', 'LT'], // ImageComments
  ['00321060', 'LO'], // RequestedProcedureDescription
  ['00400254', 'LO'], // PerformedProcedureStepDescription
  ['00400280', 'ST'], // CommentsOnThePerformedProcedureStep
  ['00081080', 'LO'], // AdmittingDiagnosesDescription
  ['00180015', 'CS'], // BodyPartExamined
  ['00080060', 'CS'], // Modality
  ['00200010', 'SH'], // StudyID
  ['0040A160', 'UT'], // TextValue
  ['00080119', 'UC'], // LongCodeValue
  ['00081190', 'UR'], // RetrieveURL
];

const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const DEFLATED = '1.2.840.10008.1.2.1.99';

/** A UID under 2.25 derived from the seed and a label: the same seed gives the same UIDs. */
export function seededUid(seed: number, label: string): string {
  const digest = createHash('sha256').update(`hostile/${seed}/${label}`).digest('hex').slice(0, 32);
  return `2.25.${BigInt(`0x${digest}`).toString()}`;
}

interface Base {
  name: string;
  elements: Element[];
  sopClassUid: string;
}

/**
 * The committed CR/DX samples (Explicit VR Little Endian, 640×640, 8 bits), each cut down to a 64×64 image (every
 * tenth pixel): ~3 KB instead of 400 KB per instance, so 1,000 of them pass on a small machine, and still images
 * the model analyses.
 */
function loadBases(): Base[] {
  return ['LF-DEMO-0001.dcm', 'LF-DEMO-0002.dcm', 'LF-DEMO-0003.dcm', 'LF-DEMO-0004.dcm'].map((name) => {
    const part10 = readFileSync(join(REPO_ROOT, 'samples', name));
    let elements = parseElements(dataSetOf(part10));
    const get = (tag: string) => elements.find((e) => e.tag === tag);
    const rows = get(TAG.Rows)!.value.readUInt16LE(0);
    const columns = get(TAG.Columns)!.value.readUInt16LE(0);
    const pixels = get(TAG.PixelData)!.value;
    const small = Buffer.alloc(64 * 64);
    for (let r = 0; r < 64; r += 1) for (let c = 0; c < 64; c += 1) small[r * 64 + c] = pixels[Math.floor((r * rows) / 64) * columns + Math.floor((c * columns) / 64)]!;
    elements = setElement(elements, TAG.Rows, { vr: 'US', value: us(64) });
    elements = setElement(elements, TAG.Columns, { vr: 'US', value: us(64) });
    elements = setElement(elements, TAG.PixelData, { vr: 'OB', value: small });
    // the samples' long de-identification comment is not needed and only makes every instance bigger
    elements = setElement(elements, '00204000', null);
    const sopClassUid = get(TAG.SOPClassUID)!.value.toString('latin1').replace(/[\0 ]+$/, '');
    return { name, elements, sopClassUid };
  });
}

/** The kinds in a run of `count`, in a seeded order, each at least once. */
function kindsFor(count: number, random: () => number): HostileKind[] {
  const total = MIX.reduce((n, [, w]) => n + w, 0);
  const kinds: HostileKind[] = [];
  for (const [kind, weight] of MIX) for (let i = 0; i < Math.max(1, Math.round((weight * count) / total)); i += 1) kinds.push(kind);
  while (kinds.length > count && kinds.length > MIX.length) {
    // trim the largest kinds first, never below one
    const counts = new Map<HostileKind, number>();
    for (const k of kinds) counts.set(k, (counts.get(k) ?? 0) + 1);
    const largest = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
    kinds.splice(kinds.lastIndexOf(largest), 1);
  }
  while (kinds.length < count) kinds.push(MIX[Math.floor(random() * MIX.length)]![0]);
  for (let i = kinds.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  return kinds;
}

export class HostileDicomGenerator {
  private readonly bases = loadBases();

  constructor(readonly seed: number) {}

  /** `count` instances; the same seed and count give the same bytes. */
  generate(count: number): HostileInstance[] {
    const random = prng(this.seed);
    return kindsFor(count, random).map((kind, index) => this.make(index, kind, random));
  }

  private make(index: number, kind: HostileKind, random: () => number): HostileInstance {
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const int = (n: number) => Math.floor(random() * n);
    const base = this.bases[index % this.bases.length]!;
    let studyInstanceUid = seededUid(this.seed, `study/${index}`);
    let seriesInstanceUid = seededUid(this.seed, `series/${index}`);
    let sopInstanceUid = seededUid(this.seed, `sop/${index}`);
    let sopClassUid = base.sopClassUid;
    let transferSyntaxUid = EXPLICIT_LE;
    let mutation: string = kind;
    let elements = base.elements;
    const set = (tag: string, vr: string, value: Buffer | null) => (elements = setElement(elements, tag, value === null ? null : { vr, value }));
    const setText = (tag: string, vr: string, value: string) => set(tag, vr, text(value, vr));
    // A distinctive synthetic identity, so nothing here could be mistaken for a person.
    const identity = () => {
      setText('00100010', 'PN', `HOSTILE^CASE${index}`);
      setText('00100020', 'LO', `LF-HOSTILE-${this.seed}-${index}`);
    };
    identity();
    const file = (dataSet: Buffer) => Buffer.concat([fileMeta({ sopClassUid, sopInstanceUid, transferSyntaxUid }), dataSet]);
    const withUids = () => {
      setText(TAG.StudyInstanceUID, 'UI', studyInstanceUid);
      setText(TAG.SeriesInstanceUID, 'UI', seriesInstanceUid);
      setText(TAG.SOPInstanceUID, 'UI', sopInstanceUid);
      setText(TAG.SOPClassUID, 'UI', sopClassUid);
      return encodeElements(elements);
    };

    let bytes: Buffer;
    switch (kind) {
      case 'truncated': {
        const whole = file(withUids());
        // most structure sits in the first kilobytes; a cut in the pixels is a different failure
        const at = random() < 0.6 ? int(Math.min(whole.length, 2_000)) : int(whole.length);
        mutation = `truncated at byte ${at} of ${whole.length}`;
        bytes = whole.subarray(0, at);
        break;
      }
      case 'garbage': {
        const variants: Array<[string, () => Buffer]> = [
          ['empty part', () => Buffer.alloc(0)],
          ['random bytes', () => Buffer.from(Array.from({ length: 200 + int(4_000) }, () => int(256)))],
          ['preamble and DICM only', () => Buffer.concat([Buffer.alloc(128), Buffer.from('DICM')])],
          ['an HTML page', () => Buffer.from(`<!doctype html><html><body>${MARKUP.join('')}</body></html>`)],
          ['a JSON document', () => Buffer.from(JSON.stringify({ '00080018': { vr: 'UI', Value: [sopInstanceUid] } }))],
          ['no preamble (raw data set)', () => withUids()],
          ['meta group length beyond the file', () => {
            const whole = file(withUids());
            whole.writeUInt32LE(0x7ffffff0, 140);
            return whole;
          }],
        ];
        const [name, make] = pick(variants);
        mutation = `garbage: ${name}`;
        bytes = make();
        break;
      }
      case 'wrong-length': {
        const dataSet = withUids();
        const parsed = parseElements(dataSet);
        const target = pick(parsed.filter((e) => e.tag >= '00080000'));
        const lengths = [0xffff, 0xfffe, target.value.length + 1, target.value.length + 1_000, 1, 0x7fff];
        const long = ['OB', 'OW', 'UT', 'UN', 'UC', 'UR'].includes(target.vr);
        const length = long ? pick([0xffffffff, 0x7fffffff, target.value.length * 2 + 1, target.value.length - 1]) : pick(lengths);
        mutation = `length of ${target.tag} (${target.vr}) ${target.value.length} → ${length}`;
        bytes = file(Buffer.concat(parsed.map((e) => (e === target ? encodeElement(e, length >>> 0) : encodeElement(e)))));
        break;
      }
      case 'deflate-bomb': {
        transferSyntaxUid = DEFLATED;
        const variants = ['huge image inflating to 64 MB', 'trailing padding inflating to 48 MB', 'not a data set once inflated (32 MB)', 'deflate stream cut short'];
        const variant = variants[index % variants.length]!;
        mutation = `deflate bomb: ${variant}`;
        if (variant.startsWith('huge image')) {
          set(TAG.Rows, 'US', us(16_384));
          set(TAG.Columns, 'US', us(16_384));
          set(TAG.PixelData, 'OB', null);
          bytes = file(deflateRawSync(Buffer.concat([withUids(), encodeElement({ tag: TAG.PixelData, vr: 'OB', value: Buffer.alloc(64 * 1024 * 1024) })]), { level: 9 }));
        } else if (variant.startsWith('trailing padding')) {
          bytes = file(deflateRawSync(Buffer.concat([withUids(), encodeElement({ tag: TAG.TrailingPadding, vr: 'OB', value: Buffer.alloc(48 * 1024 * 1024) })]), { level: 9 }));
        } else if (variant.startsWith('not a data set')) {
          bytes = file(deflateRawSync(Buffer.alloc(32 * 1024 * 1024, 0xff), { level: 9 }));
        } else {
          const stream = deflateRawSync(withUids());
          bytes = file(stream.subarray(0, Math.floor(stream.length / 2)));
        }
        break;
      }
      case 'huge-dimensions': {
        const variants: Array<[string, () => void]> = [
          ['Rows × Columns 65535 × 65535', () => (set(TAG.Rows, 'US', us(65_535)), set(TAG.Columns, 'US', us(65_535)))],
          ['Rows × Columns 16384 × 16384', () => (set(TAG.Rows, 'US', us(16_384)), set(TAG.Columns, 'US', us(16_384)))],
          ['NumberOfFrames 999999999', () => set(TAG.NumberOfFrames, 'IS', text('999999999'))],
          ['NumberOfFrames 2147483648', () => set(TAG.NumberOfFrames, 'IS', text('2147483648'))],
          ['NumberOfFrames -1', () => set(TAG.NumberOfFrames, 'IS', text('-1'))],
          ['NumberOfFrames 1e9', () => set(TAG.NumberOfFrames, 'IS', text('1e9'))],
          ['NumberOfFrames 70000 of 64 × 64', () => set(TAG.NumberOfFrames, 'IS', text('70000'))],
          ['Rows 0', () => set(TAG.Rows, 'US', us(0))],
          ['Columns 8192, Rows 64', () => set(TAG.Columns, 'US', us(8_192))],
          ['Rows × Columns × frames 4096 × 4096 × 4096', () => (set(TAG.Rows, 'US', us(4_096)), set(TAG.Columns, 'US', us(4_096)), set(TAG.NumberOfFrames, 'IS', text('4096')))],
        ];
        const [name, apply] = pick(variants);
        apply();
        mutation = `huge dimensions: ${name}`;
        bytes = file(withUids());
        break;
      }
      case 'transfer-syntax': {
        const variants: Array<[string, string]> = [
          ['an unknown transfer syntax', '1.2.3.4.5.6.7'],
          ['JPEG baseline label on native pixels', '1.2.840.10008.1.2.4.50'],
          ['JPEG 2000 label on native pixels', '1.2.840.10008.1.2.4.90'],
          ['RLE label on native pixels', '1.2.840.10008.1.2.5'],
          ['HTJ2K label on native pixels', '1.2.840.10008.1.2.4.201'],
          ['big endian label on little-endian bytes', '1.2.840.10008.1.2.2'],
          ['implicit VR label on explicit VR bytes', '1.2.840.10008.1.2'],
          ['deflated label on plain bytes', DEFLATED],
          ['JPEG-LS label on native pixels', '1.2.840.10008.1.2.4.80'],
          ['MPEG-4 label on a still image', '1.2.840.10008.1.2.4.102'],
          ['markup as the transfer syntax', '<script>alert(1)</script>'],
          ['empty transfer syntax', ''],
        ];
        const [name, uid] = pick(variants);
        transferSyntaxUid = uid;
        mutation = `transfer syntax: ${name}`;
        bytes = file(withUids());
        break;
      }
      case 'sop-class': {
        const variants: Array<[string, string, string?]> = [
          ['Comprehensive SR class on an image', '1.2.840.10008.5.1.4.1.1.88.33'],
          ['RT Plan class on an image', '1.2.840.10008.5.1.4.1.1.481.5'],
          ['Key Object Selection class on an image', '1.2.840.10008.5.1.4.1.1.88.59'],
          ['an unknown SOP class', '1.2.3.4.5.6.7.8'],
          ['Encapsulated PDF class on an image', '1.2.840.10008.5.1.4.1.1.104.1'],
          ['Grayscale Softcopy Presentation State class', '1.2.840.10008.5.1.4.1.1.11.1'],
          ['MR class with modality CR', '1.2.840.10008.5.1.4.1.1.4'],
          ['File Meta says CR, data set says SR', '1.2.840.10008.5.1.4.1.1.88.22', 'meta-cr'],
          ['a SOP class in markup', '<b>1.2.840.10008.5.1.4.1.1.1</b>'],
          ['no SOP class at all', ''],
        ];
        const [name, uid, split] = pick(variants);
        mutation = `SOP class: ${name}`;
        if (split) {
          sopClassUid = uid;
          const dataSet = withUids();
          sopClassUid = base.sopClassUid;
          bytes = Buffer.concat([fileMeta({ sopClassUid, sopInstanceUid, transferSyntaxUid }), dataSet]);
        } else {
          sopClassUid = uid;
          bytes = file(withUids());
        }
        break;
      }
      case 'broken-uid': {
        const which = pick(['study', 'series', 'sop'] as const);
        const good = which === 'study' ? studyInstanceUid : which === 'series' ? seriesInstanceUid : sopInstanceUid;
        // each stays unique to this seed and index (never shared with another run's study)
        const tag = `${this.seed}${index}`;
        const variants: Array<[string, string]> = [
          ['letters in it', `${good.slice(0, 20)}.abc${index}`],
          ['longer than 64 characters', `${good}.${'9'.repeat(70 - good.length)}${index}`.slice(0, 90)],
          ['a leading zero in a component', `1.02.${index}.${good.slice(5, 30)}`],
          ['a trailing dot', `${good.slice(0, 40)}.`],
          ['two dots in a row', `${good.slice(0, 20)}..${index}`],
          ['markup', `<script>alert(${tag})</script>`],
          ['spaces inside', `1.2 .${tag} .3`],
          ['non-ASCII digits', `١.٢.${tag}`],
          ['a path traversal', `../../studies/${tag}`],
          ['a query string', `1.2.${tag}?includefield=all&x=<y>`],
        ];
        const [name, broken] = pick(variants);
        mutation = `broken ${which} UID: ${name} (${JSON.stringify(broken)})`;
        if (which === 'study') studyInstanceUid = broken;
        else if (which === 'series') seriesInstanceUid = broken;
        else sopInstanceUid = broken;
        bytes = file(withUids());
        break;
      }
      case 'markup': {
        // The image stays valid and in scope (unless the markup lands in Modality or Body Part): it is analysed, and
        // its strings must come out escaped wherever they are shown. Every text VR carries one.
        const payload = MARKUP[index % MARKUP.length]!;
        const keepInScope = random() < 0.6;
        for (const [tag, vr] of TEXT_ATTRIBUTES) {
          if (keepInScope && (tag === '00180015' || tag === '00080060')) continue;
          setText(tag, vr, vr === 'CS' ? payload.toUpperCase().slice(0, 16) : vr === 'SH' ? payload.slice(0, 16) : payload);
        }
        mutation = `markup in every text VR${keepInScope ? ' (image kept in scope)' : ' (Modality and Body Part too)'}: ${payload}`;
        bytes = file(withUids());
        break;
      }
      case 'pixel-attributes': {
        const variants: Array<[string, () => void]> = [
          ['pixel data far shorter than Rows × Columns', () => set(TAG.PixelData, 'OB', Buffer.alloc(100))],
          ['no pixel data', () => set(TAG.PixelData, 'OB', null)],
          ['Bits Allocated 7', () => set(TAG.BitsAllocated, 'US', us(7))],
          ['Bits Stored 16 of Bits Allocated 8', () => set(TAG.BitsStored, 'US', us(16))],
          ['High Bit 31', () => set(TAG.HighBit, 'US', us(31))],
          ['Samples per Pixel 3 with MONOCHROME2', () => set('00280002', 'US', us(3))],
          ['Photometric Interpretation in markup', () => set('00280004', 'CS', text('<SCRIPT>'))],
          ['Photometric Interpretation PALETTE COLOR without a palette', () => set('00280004', 'CS', text('PALETTE COLOR'))],
          ['Bits Allocated 0', () => set(TAG.BitsAllocated, 'US', us(0))],
          ['Window Width 0 and Center NaN', () => (set('00281050', 'DS', text('NaN')), set('00281051', 'DS', text('0')))],
          ['Pixel Representation 7', () => set('00280103', 'US', us(7))],
          ['Rescale Slope 1e308', () => set('00281053', 'DS', text('1e308'))],
        ];
        const [name, apply] = pick(variants);
        apply();
        mutation = `pixel attributes: ${name}`;
        bytes = file(withUids());
        break;
      }
    }
    return { index, kind, mutation, bytes, studyInstanceUid, seriesInstanceUid, sopInstanceUid };
  }
}

/** The generator's seed: HOSTILE_SEED, else a time-based one (printed by the test so a run can be replayed). */
export function hostileSeed(): number {
  const given = process.env.HOSTILE_SEED;
  return given !== undefined && given !== '' ? Number(given) : Date.now() % 2_147_483_647;
}
