import { attr, type NaturalizedDataset } from '../read/attr';

/** A Modality or VOI LUT (PS3.3 C.11.1 / C.11.2): output = data[clamp(input - firstMapped)]. */
export interface LookupTable {
  firstMapped: number;
  data: Float32Array;
  /** Largest value the entries can take, from LUT Descriptor bits (or the data, when the descriptor understates). */
  maxOutput: number;
}

/**
 * Reads a LUT item. LUT Descriptor is [entries (0 means 65536), first mapped value, bits per entry]; the first
 * mapped value is signed when the pixel data are (C.11.1.1.1). LUT Data arrives as US values, as OW bytes, or as
 * InlineBinary from DICOMweb; all three are read.
 */
export function lookupTable(item: NaturalizedDataset | undefined, signedInput: boolean): LookupTable | undefined {
  const descriptor = attr.numbers(item, 'LUTDescriptor');
  if (item === undefined || descriptor.length < 3) return undefined;
  const entries = descriptor[0] === 0 ? 65536 : descriptor[0];
  const firstMapped = signedInput && descriptor[1] > 32767 ? descriptor[1] - 65536 : descriptor[1];
  const bits = descriptor[2];
  const data = lutData(item.LUTData, entries, bits);
  if (data === undefined || data.length === 0) return undefined;
  let max = 0;
  for (const v of data) max = Math.max(max, v);
  const declared = 2 ** Math.min(Math.max(bits, 1), 16) - 1;
  return { firstMapped, data, maxOutput: max > declared ? 2 ** Math.ceil(Math.log2(max + 1)) - 1 : declared };
}

function lutData(value: unknown, entries: number, bits: number): Float32Array | undefined {
  if (Array.isArray(value) && value.every((v) => typeof v === 'number')) return Float32Array.from(value as number[]);
  if (typeof value === 'number') return Float32Array.of(value);
  let bytes: Uint8Array | undefined;
  if (Array.isArray(value) && value[0] instanceof ArrayBuffer) bytes = new Uint8Array(value[0]);
  else if (value instanceof ArrayBuffer) bytes = new Uint8Array(value);
  else if (typeof value === 'object' && value !== null && typeof (value as { InlineBinary?: unknown }).InlineBinary === 'string') {
    bytes = new Uint8Array(Buffer.from((value as { InlineBinary: string }).InlineBinary, 'base64'));
  }
  if (bytes === undefined) return undefined;
  // 8-bit entries are still packed in 16-bit words in OW data, but some writers pack them two to a word
  const wide = bits > 8 || bytes.byteLength >= entries * 2;
  const count = Math.min(entries, wide ? bytes.byteLength >> 1 : bytes.byteLength);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 1) out[i] = wide ? bytes[2 * i] | (bytes[2 * i + 1] << 8) : bytes[i];
  return out;
}

/** Applies a LUT in place; inputs outside the table take its first or last entry. */
export function applyLookupTable(values: Float32Array, lut: LookupTable): void {
  const last = lut.data.length - 1;
  for (let i = 0; i < values.length; i += 1) {
    const index = Math.round(values[i]) - lut.firstMapped;
    values[i] = lut.data[index < 0 ? 0 : index > last ? last : index];
  }
}
