/** An 8-bit grayscale raster, row-major, one byte per pixel: what the pixel pipeline hands to the model resize. */
export interface GrayImage {
  width: number;
  height: number;
  data: Uint8Array;
}
