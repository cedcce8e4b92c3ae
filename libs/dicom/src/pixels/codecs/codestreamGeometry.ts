/** What a compressed frame says about itself, read from its markers before any decoder allocates for it. */
export interface CodestreamGeometry {
  width: number;
  height: number;
  components: number;
  precision: number;
}

/**
 * Finds the frame header of a JPEG family codestream: SOFn for JPEG and JPEG-LS (ITU T.81 B.2.2, T.87 5.1; SOF55
 * is FFF7), SIZ for JPEG 2000 (T.800 A.5.1; also inside a JP2 wrapper). Undefined when none is found in the
 * first 64 KiB, which LungFlow treats as a corrupt frame.
 */
export function codestreamGeometry(bytes: Uint8Array): CodestreamGeometry | undefined {
  const limit = Math.min(bytes.length - 1, 65536);
  for (let i = 0; i < limit; i += 1) {
    if (bytes[i] !== 0xff) continue;
    const marker = bytes[i + 1];
    if (marker === 0x51 && i + 42 <= bytes.length) {
      // SIZ: Lsiz Rsiz Xsiz Ysiz XOsiz YOsiz XTsiz YTsiz XTOsiz YTOsiz Csiz, then Ssiz per component
      const u32 = (at: number) => ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
      const x = u32(i + 6) - u32(i + 14);
      const y = u32(i + 10) - u32(i + 18);
      const components = (bytes[i + 38] << 8) | bytes[i + 39];
      return { width: x, height: y, components, precision: (bytes[i + 40] & 0x7f) + 1 };
    }
    const isSof = (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) || marker === 0xf7;
    if (isSof && i + 10 <= bytes.length) {
      return {
        precision: bytes[i + 4],
        height: (bytes[i + 5] << 8) | bytes[i + 6],
        width: (bytes[i + 7] << 8) | bytes[i + 8],
        components: bytes[i + 9],
      };
    }
  }
  return undefined;
}
