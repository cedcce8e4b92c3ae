import dcmjs from 'dcmjs';
import { DicomError } from '../errors';
import { attr, type NaturalizedDataset } from './attr';
import type { DicomInstance, PixelData } from './DicomInstance';
import { checkElementLengths } from './checkElementLengths';
import { concat } from './concat';
import { framesFromFragments } from './framesFromFragments';
import { fileMetaSyntax, inflateDataSet } from './inflateDataSet';
import { pixelBudget } from './pixelBudget';
import { resolveReadLimits, type ReadLimits } from './readLimits';
import { TRANSFER_SYNTAX, isNativeTransferSyntax } from './transferSyntax';

// dcmjs prints every tolerated oddity on the console (its own logger and a "validation" one); LungFlow reports
// problems through DicomError instead.
dcmjs.log.setLevel('silent');
dcmjs.log.getLogger('validation.dcmjs').setLevel('silent');

const PREAMBLE_BYTES = 128;
const VRS = new Set(
  'AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(' '),
);

/**
 * Reads a DICOM Part-10 file: the usual preamble + "DICM" + File Meta layout, and also the bare data sets that old
 * modalities and some archives write (no preamble, no File Meta: PS3.10 7.1 requires them, the wild does not).
 * A bare data set is read as Explicit VR Little Endian when its first element carries a VR, else as Implicit VR
 * Little Endian (the DICOM default transfer syntax, PS3.5 10.1).
 */
export function readPart10(input: Uint8Array, limits: Partial<ReadLimits> = {}): DicomInstance {
  const caps = resolveReadLimits(limits);
  if (input.byteLength > caps.maxFileBytes) {
    throw new DicomError('DICOM_TOO_LARGE', `file of ${input.byteLength} bytes is over the cap of ${caps.maxFileBytes}`, {
      fileBytes: input.byteLength,
      maxFileBytes: caps.maxFileBytes,
    });
  }
  const framed = withFileMeta(input);
  const bytes = inflateDataSet(framed, caps.maxFileBytes, fileMeta);
  const deflated = bytes !== framed;
  const syntax = fileMetaSyntax(bytes).transferSyntaxUid;
  if (syntax !== undefined) {
    checkElementLengths(bytes, syntax !== TRANSFER_SYNTAX.implicitLittle, syntax === TRANSFER_SYNTAX.explicitBig);
  }
  const dict = parse(bytes);
  const meta = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict.meta) as NaturalizedDataset;
  const pixelElement = dict.dict['7FE00010'] as { Value?: unknown[] } | undefined;
  delete dict.dict['7FE00010'];
  const dataset = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict.dict) as NaturalizedDataset;
  const parsedSyntax = attr.string(meta, 'TransferSyntaxUID') ?? TRANSFER_SYNTAX.implicitLittle;
  // a deflated file was inflated above; its pixels are native explicit little endian, its syntax stays reported
  const transferSyntaxUid = deflated ? TRANSFER_SYNTAX.deflatedExplicitLittle : parsedSyntax;
  const sopInstanceUid = attr.string(dataset, 'SOPInstanceUID') ?? attr.string(meta, 'MediaStorageSOPInstanceUID');
  const sopClassUid = attr.string(dataset, 'SOPClassUID') ?? attr.string(meta, 'MediaStorageSOPClassUID');
  pixelBudget(dataset, caps, sopInstanceUid);
  return {
    dataset,
    transferSyntaxUid,
    sopInstanceUid,
    sopClassUid,
    pixelData:
      pixelElement?.Value === undefined
        ? undefined
        : toPixelData(pixelElement.Value, transferSyntaxUid, attr.number(dataset, 'NumberOfFrames') ?? 1, sopInstanceUid),
    source: 'part10',
  };
}

/** dcmjs only reads files with a preamble and File Meta; give a bare data set a minimal File Meta naming its syntax. */
function withFileMeta(input: Uint8Array): Uint8Array {
  if (input.byteLength >= PREAMBLE_BYTES + 4 && ascii(input, PREAMBLE_BYTES, 4) === 'DICM') return input;
  if (ascii(input, 0, 4) === 'DICM') return concat(new Uint8Array(PREAMBLE_BYTES), input);
  if (input.byteLength < 8) {
    throw new DicomError('DICOM_TRUNCATED', `${input.byteLength} bytes cannot hold a DICOM data set`);
  }
  const group = input[0] | (input[1] << 8);
  if (group === 0x0002) return concat(new Uint8Array(PREAMBLE_BYTES), asciiBytes('DICM'), input);
  // A data set starts with a low, even group (0008 in practice; 0000-0004 in some old files).
  if (group > 0x0008 || group % 2 !== 0) {
    throw new DicomError('DICOM_MALFORMED', 'no DICM prefix, and the bytes do not start like a DICOM data set', {
      firstGroup: group,
    });
  }
  const explicit = VRS.has(ascii(input, 4, 2));
  return concat(fileMeta(explicit ? TRANSFER_SYNTAX.explicitLittle : TRANSFER_SYNTAX.implicitLittle), input);
}

/** Preamble, "DICM", File Meta Information Group Length and Transfer Syntax UID, Explicit VR Little Endian. */
function fileMeta(transferSyntaxUid: string): Uint8Array {
  const uid = transferSyntaxUid.length % 2 === 0 ? transferSyntaxUid : `${transferSyntaxUid}\0`;
  const syntaxElement = concat(new Uint8Array([0x02, 0x00, 0x10, 0x00]), asciiBytes('UI'), uint16(uid.length), asciiBytes(uid));
  const lengthElement = concat(new Uint8Array([0x02, 0x00, 0x00, 0x00]), asciiBytes('UL'), uint16(4), uint32(syntaxElement.length));
  return concat(new Uint8Array(PREAMBLE_BYTES), asciiBytes('DICM'), lengthElement, syntaxElement);
}

interface DcmjsDict {
  meta: Record<string, unknown>;
  dict: Record<string, unknown>;
}

function parse(bytes: Uint8Array): DcmjsDict {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  try {
    return dcmjs.data.DicomMessage.readFile(buffer, { ignoreErrors: false }) as DcmjsDict;
  } catch (error) {
    // dcmjs refuses character sets it cannot map; the pixels and UIDs are still readable, so read on without them.
    if (/character set/i.test(String((error as Error)?.message))) {
      try {
        return dcmjs.data.DicomMessage.readFile(buffer, { ignoreErrors: true }) as DcmjsDict;
      } catch (retryError) {
        throw parseError(retryError);
      }
    }
    throw parseError(error);
  }
}

/** dcmjs throws RangeError from its DataView when an element runs past the end of the bytes. */
function parseError(error: unknown): DicomError {
  const message = String((error as Error)?.message ?? error);
  if (/call stack/i.test(message)) {
    return new DicomError('DICOM_MALFORMED', 'sequences nested too deeply to read', {}, error);
  }
  if (error instanceof RangeError || /out of bounds|outside the bounds|offset|end of (buffer|stream)/i.test(message)) {
    return new DicomError('DICOM_TRUNCATED', `the file ends inside an element: ${message}`, {}, error);
  }
  return new DicomError('DICOM_MALFORMED', `not a readable DICOM file: ${message}`, {}, error);
}

function toPixelData(value: unknown[], transferSyntaxUid: string, numberOfFrames: number, sopInstanceUid?: string): PixelData {
  const parts = value.map(toBytes);
  if (isNativeTransferSyntax(transferSyntaxUid)) {
    return { encapsulated: false, buffers: parts, bigEndian: transferSyntaxUid === TRANSFER_SYNTAX.explicitBig };
  }
  // dcmjs joins fragments per frame only when the Basic Offset Table is filled; otherwise it lists fragments.
  return { encapsulated: true, frames: framesFromFragments(parts, numberOfFrames, sopInstanceUid) };
}

function toBytes(part: unknown): Uint8Array {
  if (part instanceof ArrayBuffer) return new Uint8Array(part);
  if (ArrayBuffer.isView(part)) return new Uint8Array(part.buffer, part.byteOffset, part.byteLength);
  if (Array.isArray(part)) return concat(...part.map(toBytes));
  return new Uint8Array(0);
}

function ascii(bytes: Uint8Array, offset: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(offset, offset + length));
}

function asciiBytes(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

function uint16(value: number): Uint8Array {
  return new Uint8Array([value & 0xff, (value >> 8) & 0xff]);
}

function uint32(value: number): Uint8Array {
  return new Uint8Array([value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff, (value >>> 24) & 0xff]);
}
