/** An 8-bit image in memory, row-major, channels interleaved (grey: 1, RGB: 3). */
export interface Raster {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 1 | 3;
}

/** A low-resolution float map (e.g. a class activation map), row-major. */
export interface FloatMap {
  data: Float32Array;
  width: number;
  height: number;
}
