/** What a compressed frame says about itself, read from its markers before any decoder allocates for it. */
export interface CodestreamGeometry {
  width: number;
  height: number;
  components: number;
  precision: number;
  /** JPEG 2000 only: what sets the size of each lower resolution level (see jpeg2000LevelSize). */
  jpeg2000?: Jpeg2000Levels;
}

/** The image area on the reference grid (T.800 A.5.1) and how many wavelet levels every component has. */
export interface Jpeg2000Levels {
  xOffset: number;
  yOffset: number;
  /** Xsiz and Ysiz: the right and bottom edges (the image is x from xOffset to x1 - 1). */
  x1: number;
  y1: number;
  /**
   * The fewest decomposition levels the main header's COD and COC segments give any component: the most a decoder
   * can be asked to discard. 0 when no COD was found before the first tile-part (then only full resolution).
   */
  decompositionLevels: number;
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
      const x1 = u32(i + 6);
      const y1 = u32(i + 10);
      const xOffset = u32(i + 14);
      const yOffset = u32(i + 18);
      const components = (bytes[i + 38] << 8) | bytes[i + 39];
      return {
        width: x1 - xOffset,
        height: y1 - yOffset,
        components,
        precision: (bytes[i + 40] & 0x7f) + 1,
        jpeg2000: { xOffset, yOffset, x1, y1, decompositionLevels: decompositionLevels(bytes, i, components) },
      };
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

/**
 * Walks the main header's marker segments from SIZ (at `siz`) to the first SOT: COD's SPcod and each COC's SPcoc
 * start with the number of decomposition levels (T.800 A.6.1, A.6.2). Tile-part headers may override them; the
 * decoder's output size is checked after decoding, so such a codestream falls back to full resolution.
 */
function decompositionLevels(bytes: Uint8Array, siz: number, components: number): number {
  let fewest: number | undefined;
  let at = siz;
  while (at + 4 <= bytes.length && bytes[at] === 0xff) {
    const marker = bytes[at + 1];
    if (marker === 0x90 || marker === 0x93) break; // SOT, SOD: the main header is over
    const length = (bytes[at + 2] << 8) | bytes[at + 3];
    if (length < 2) break;
    if (marker === 0x52 && at + 10 <= bytes.length) {
      // COD: Lcod Scod SGcod(progression, layers ×2, MCT) SPcod(levels, ...)
      fewest = Math.min(fewest ?? Infinity, bytes[at + 9]);
    } else if (marker === 0x53) {
      // COC: Lcoc Ccoc (1 byte below 257 components, else 2) Scoc SPcoc(levels, ...)
      const levelsAt = at + 4 + (components < 257 ? 1 : 2) + 1;
      if (levelsAt < bytes.length) fewest = Math.min(fewest ?? Infinity, bytes[levelsAt]);
    }
    at += 2 + length;
  }
  return fewest ?? 0;
}

/**
 * The size of a JPEG 2000 image decoded `reduce` levels down (every level halves the reference grid, rounding
 * up: T.800 B.5, equation B-15, with no component subsampling).
 */
export function jpeg2000LevelSize(levels: Jpeg2000Levels, reduce: number): { width: number; height: number } {
  const scale = 2 ** reduce;
  return {
    width: Math.ceil(levels.x1 / scale) - Math.ceil(levels.xOffset / scale),
    height: Math.ceil(levels.y1 / scale) - Math.ceil(levels.yOffset / scale),
  };
}

/**
 * How many levels a JPEG 2000 image can be reduced by with its longer side still at least `minLongSide`: the
 * smallest level that still gives the caller the pixels it needs. 0 (full resolution) when no level fits.
 */
export function jpeg2000Reduction(levels: Jpeg2000Levels, minLongSide: number): number {
  let reduce = 0;
  while (reduce < levels.decompositionLevels) {
    const next = jpeg2000LevelSize(levels, reduce + 1);
    if (Math.max(next.width, next.height) < minLongSide) break;
    reduce += 1;
  }
  return reduce;
}
