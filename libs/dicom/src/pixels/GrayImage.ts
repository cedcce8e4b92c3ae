/** An 8-bit grayscale raster, row-major, one byte per pixel, 0 = black. */
export interface GrayImage {
  width: number;
  height: number;
  data: Uint8Array;
}
