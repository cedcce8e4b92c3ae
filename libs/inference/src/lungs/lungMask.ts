/** The model's lung probability map (sigmoid, 0..1) in the full model-input frame, row-major. */
export interface LungMap {
  width: number;
  height: number;
  data: Float32Array;
}

/** A binary lung mask: 255 lung, 0 not, row-major, with the fraction of pixels that are lung. */
export interface LungMask {
  width: number;
  height: number;
  data: Uint8Array;
  areaFraction: number;
}

/**
 * Fraction of the map's cells whose lung probability is above `threshold` (strictly, as the graph's own crop and CAM
 * mask use `lungs > 0.5`). Measured on the map itself, so the service and the CLI decide on the same number whatever
 * size the original image had.
 */
export function lungAreaFraction(map: LungMap, threshold: number): number {
  let inside = 0;
  for (const p of map.data) if (p > threshold) inside += 1;
  return map.data.length === 0 ? 0 : inside / map.data.length;
}

/**
 * For each output coordinate: the two source indices and the weight of the second (half-pixel centres, clamped), the
 * sampling of every mask LungFlow draws at an image's own size (lungs here, lesions in ../lesions).
 */
export function bilinearAxis(outSize: number, inSize: number): { i0: Int32Array; i1: Int32Array; w: Float32Array } {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const w = new Float32Array(outSize);
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o += 1) {
    const src = Math.min(inSize - 1, Math.max(0, (o + 0.5) * scale - 0.5));
    const lo = Math.floor(src);
    i0[o] = lo;
    i1[o] = Math.min(inSize - 1, lo + 1);
    w[o] = src - lo;
  }
  return { i0, i1, w };
}

/**
 * The lung mask at an image's own size (width × height): the probability map is upsampled bilinearly (pixel centres
 * aligned, as torch's `interpolate(..., align_corners=False)` and the graph's grid_sample), then thresholded.
 *
 * Why upsample the probability and threshold after, rather than threshold the 112×112 map and enlarge the binary
 * mask: a 3000 px radiograph puts ~27 px under one map cell, so a binary mask enlarged by nearest neighbour has
 * 27 px stair steps, while the interpolated probability crosses the threshold between cell centres where the
 * network's evidence says the edge is (sub-cell boundary, smooth contour), which is what a Dice against a mask drawn
 * at full resolution rewards. Bilinear rather than bicubic/Lanczos: it never overshoots, so it adds no islands or holes
 * that the map itself does not have, and at the map's own size it reproduces the map's thresholded mask exactly.
 * (The model input is the whole image stretched to a square, aspect ignored, so the map stretches back the same way.)
 */
export function lungMask(map: LungMap, width: number, height: number, threshold: number): LungMask {
  if (map.data.length !== map.width * map.height || map.width < 1 || map.height < 1) {
    throw new RangeError(`lung map of ${map.data.length} values does not match ${map.width}×${map.height}`);
  }
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) throw new RangeError(`bad mask size ${width}×${height}`);
  const xs = bilinearAxis(width, map.width);
  const ys = bilinearAxis(height, map.height);
  const data = new Uint8Array(width * height);
  const src = map.data;
  let inside = 0;
  for (let y = 0; y < height; y += 1) {
    const row0 = ys.i0[y] * map.width;
    const row1 = ys.i1[y] * map.width;
    const wy = ys.w[y];
    for (let x = 0; x < width; x += 1) {
      const x0 = xs.i0[x];
      const x1 = xs.i1[x];
      const wx = xs.w[x];
      const top = src[row0 + x0] + (src[row0 + x1] - src[row0 + x0]) * wx;
      const bottom = src[row1 + x0] + (src[row1 + x1] - src[row1 + x0]) * wx;
      if (top + (bottom - top) * wy > threshold) {
        data[y * width + x] = 255;
        inside += 1;
      }
    }
  }
  return { width, height, data, areaFraction: inside / (width * height) };
}
