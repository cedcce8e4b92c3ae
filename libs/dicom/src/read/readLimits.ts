/**
 * Caps that keep one hostile or broken object from exhausting the process. They are checked before the large
 * allocations they guard: the file size before parsing, the pixel counts before any frame is decoded.
 */
export interface ReadLimits {
  /** Largest Part-10 file accepted, in bytes. */
  maxFileBytes: number;
  /** Largest Rows × Columns × Number of Frames accepted for one instance. */
  maxTotalPixels: number;
  /** Largest Rows × Columns of one frame; one frame is decoded at a time, into about 8 bytes per pixel. */
  maxFramePixels: number;
}

/**
 * 1 GiB files, 2^30 pixels per instance (a 2,000-slice 512² enhanced CT is 2^29) and 2^26 pixels per frame
 * (8,192 × 8,192: larger than any CR/DX detector).
 */
export const DEFAULT_READ_LIMITS: Readonly<ReadLimits> = Object.freeze({
  maxFileBytes: 1024 * 1024 * 1024,
  maxTotalPixels: 2 ** 30,
  maxFramePixels: 2 ** 26,
});

/** Fills the caps the caller left out with the defaults. */
export function resolveReadLimits(limits: Partial<ReadLimits> = {}): ReadLimits {
  return { ...DEFAULT_READ_LIMITS, ...Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined)) };
}
