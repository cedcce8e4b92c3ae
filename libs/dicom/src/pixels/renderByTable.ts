import type { NaturalizedDataset } from '../read/attr';
import { chooseVoiWith, type VoiChoice, type VoiOptions } from './chooseVoi';
import { modalityLut, type AppliedModalityLut } from './modalityLut';
import { percentileWindowOfBins } from './percentileWindow';
import { toUint8 } from './toUint8';
import { voiLut } from './voiLut';

/** Stored values up to 16 bits: a table of at most 98,304 entries (signed or unsigned), against 3.6 M pixels. */
const MAX_TABLE_VALUE = 0xffff;

export interface TableRendered {
  data: Uint8Array;
  modalityLut: AppliedModalityLut;
  voi: VoiChoice;
  modalityValues?: Float32Array;
}

/**
 * Monochrome stored values to 8-bit gray through a lookup table: the Modality LUT, the VOI and toUint8 are
 * functions of each value alone, so they run once per distinct stored value, on the same float32 array type and
 * through the same functions as the per-pixel passes (modalityLut, voiLut, toUint8), and the frame is read once,
 * through the table. A percentile window (radiographs without a window) needs one more read, for a histogram of
 * the stored values (percentileWindowOfBins). Same bytes as the per-pixel path (renderFrame.table.test.ts checks
 * real files); undefined, for the caller to take that path, when a value is not an integer of at most 16 bits or
 * a modality value is not finite.
 */
export function renderByTable(
  values: Float32Array,
  maxValue: number,
  dataset: NaturalizedDataset,
  frame: number,
  signed: boolean,
  inverted: boolean,
  options: VoiOptions & { keepModalityValues?: boolean },
): TableRendered | undefined {
  if (!(Number.isInteger(maxValue) && maxValue >= 1 && maxValue <= MAX_TABLE_VALUE)) return undefined;
  // Bin b holds stored value b - offset: two's complement values of the same Bits Stored reach down to -offset.
  const offset = Math.ceil((maxValue + 1) / 2);
  const size = offset + maxValue + 1;
  const n = values.length;
  // a table larger than the frame (a 16-bit 128 × 128 slice) would cost more than the per-pixel passes
  if (size > n) return undefined;
  const modality = new Float32Array(size);
  for (let b = 0; b < size; b += 1) modality[b] = b - offset;
  const applied = modalityLut(modality, dataset, frame, signed);
  for (let b = 0; b < size; b += 1) if (!Number.isFinite(modality[b])) return undefined;
  let outOfTable = false;
  const percentiles = (low: number, high: number) => {
    const counts = histogram(values, offset, size);
    if (counts === undefined) {
      outOfTable = true;
      return { center: 0, width: 1 };
    }
    return percentileWindowOfBins(modality, counts, n, (i) => values[i] + offset, low, high);
  };
  const voi = chooseVoiWith(percentiles, dataset, frame, signed, options);
  if (outOfTable) return undefined;
  const display = modality.slice();
  voiLut(display, voi);
  const table = toUint8(display, inverted);
  const data = throughTable(values, offset, table);
  if (data === undefined) return undefined;
  if (!options.keepModalityValues) return { data, modalityLut: applied, voi };
  const modalityValues = new Float32Array(n);
  for (let i = 0; i < n; i += 1) modalityValues[i] = modality[(values[i] + offset) | 0];
  return { data, modalityLut: applied, voi, modalityValues };
}

// The two per-pixel loops are functions of their own, with everything in parameters and locals, so V8 compiles
// them as plain typed-array loops rather than loops over a closure's captured variables.

/** How many pixels hold each stored value; undefined when one is not an integer within the table. */
function histogram(values: Float32Array, offset: number, size: number): Uint32Array | undefined {
  const counts = new Uint32Array(size);
  const n = values.length;
  for (let i = 0; i < n; i += 1) {
    const bin = values[i] + offset;
    const k = bin | 0;
    if (k !== bin || k >>> 0 >= size) return undefined;
    counts[k] += 1;
  }
  return counts;
}

function throughTable(values: Float32Array, offset: number, table: Uint8Array): Uint8Array | undefined {
  const n = values.length;
  const size = table.length;
  const data = new Uint8Array(n);
  for (let i = 0; i < n; i += 1) {
    const bin = values[i] + offset;
    const k = bin | 0;
    // a non-integer, NaN or out-of-range value (not stored values after all): the per-pixel path handles it
    if (k !== bin || k >>> 0 >= size) return undefined;
    data[i] = table[k];
  }
  return data;
}
