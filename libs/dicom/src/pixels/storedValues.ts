/** How one frame's samples sit in its bytes. */
export interface SampleLayout {
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  signed: boolean;
  bigEndian: boolean;
}

const LITTLE_ENDIAN_HOST = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/**
 * Reads `count` samples from native pixel bytes into stored values: the Bits Stored bits that end at High Bit,
 * sign-extended for two's complement (PS3.5 8.1.1 and 8.2). Bits outside Bits Stored may hold overlays or garbage,
 * so they are masked off rather than trusted.
 *
 * 8- and 16-bit samples (every radiograph and CT) are read through a typed-array view of the bytes: whole samples
 * (Bits Stored = Bits Allocated) by one native `Float32Array.set`, others by one integer pass. The per-sample
 * DataView read this replaced cost 10 % of infer's and report's busy time (bench/README.md); the values are the
 * same (storedValues.test.ts compares both on real files).
 */
export function storedValues(bytes: Uint8Array, count: number, layout: SampleLayout): Float32Array {
  const { bitsAllocated, bitsStored, highBit, signed, bigEndian } = layout;
  const shift = highBit + 1 - bitsStored;
  const plain = shift === 0 && bitsStored === bitsAllocated;
  const bytesPerSample = bitsAllocated >> 3;
  // Short input (callers check lengths first) and 32-bit samples keep the DataView loop, and its RangeError.
  if (bytes.byteLength < count * bytesPerSample || (bitsAllocated !== 8 && bitsAllocated !== 16)) return byDataView(bytes, count, layout);
  const out = new Float32Array(count);
  if (bitsAllocated === 8) {
    const samples = bytes.subarray(0, count);
    if (plain) {
      out.set(signed ? new Int8Array(samples.buffer, samples.byteOffset, count) : samples);
      return out;
    }
    maskPass(samples, out, shift, bitsStored, signed);
    return out;
  }
  if (bigEndian === LITTLE_ENDIAN_HOST) {
    // byte order differs from the host's (retired Explicit VR Big Endian on x86 and ARM): one swapping pass
    const swapped = new Uint16Array(count);
    for (let i = 0; i < count; i += 1) swapped[i] = bigEndian ? (bytes[2 * i] << 8) | bytes[2 * i + 1] : bytes[2 * i] | (bytes[2 * i + 1] << 8);
    return finish16(swapped, out, plain, shift, bitsStored, signed);
  }
  // Uint16Array needs an even byte offset; a frame at an odd one (rare: a fragment boundary) is copied once.
  const aligned = bytes.byteOffset % 2 === 0 ? bytes : bytes.slice(0, count * 2);
  return finish16(new Uint16Array(aligned.buffer, aligned.byteOffset, count), out, plain, shift, bitsStored, signed);
}

function finish16(samples: Uint16Array, out: Float32Array, plain: boolean, shift: number, bitsStored: number, signed: boolean): Float32Array {
  if (plain) {
    out.set(signed ? new Int16Array(samples.buffer, samples.byteOffset, samples.length) : samples);
    return out;
  }
  maskPass(samples, out, shift, bitsStored, signed);
  return out;
}

/** Bits Stored < Bits Allocated, or a High Bit that is not Bits Stored - 1: shift, mask, sign-extend, all int32. */
function maskPass(samples: Uint8Array | Uint16Array, out: Float32Array, shift: number, bitsStored: number, signed: boolean): void {
  const mask = (1 << bitsStored) - 1;
  const n = out.length;
  if (!signed) {
    for (let i = 0; i < n; i += 1) out[i] = (samples[i] >>> shift) & mask;
    return;
  }
  // shifting the sign bit of Bits Stored into bit 31 and back sign-extends it
  const up = 32 - bitsStored;
  for (let i = 0; i < n; i += 1) out[i] = ((((samples[i] >>> shift) & mask) << up) >> up);
}

function byDataView(bytes: Uint8Array, count: number, layout: SampleLayout): Float32Array {
  const out = new Float32Array(count);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const little = !layout.bigEndian;
  const shift = layout.highBit + 1 - layout.bitsStored;
  const mask = layout.bitsStored >= 32 ? 0xffffffff : 2 ** layout.bitsStored - 1;
  const signBit = 2 ** (layout.bitsStored - 1);
  const plain = shift === 0 && layout.bitsStored === layout.bitsAllocated;
  for (let i = 0; i < count; i += 1) {
    let raw: number;
    if (layout.bitsAllocated === 8) {
      raw = bytes[i];
    } else if (layout.bitsAllocated === 16) {
      raw = view.getUint16(i * 2, little);
    } else {
      raw = view.getUint32(i * 4, little);
    }
    // bit operators keep this integer arithmetic: a floating % here costs ten times the whole loop
    if (!plain) raw = ((raw >>> shift) & mask) >>> 0;
    out[i] = layout.signed && raw >= signBit ? raw - 2 * signBit : raw;
  }
  return out;
}
