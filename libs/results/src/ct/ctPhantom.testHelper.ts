/** Synthetic axial CT slices in HU for the lung tests: shapes painted in order, each over the ones before. */
export interface Ellipse {
  cx: number;
  cy: number;
  a: number;
  b: number;
}

/** Pixel (x, y) is inside when ((x - cx) / a)² + ((y - cy) / b)² <= 1 (pixel indices, no half-pixel shift). */
export function inside(e: Ellipse, x: number, y: number): boolean {
  return ((x - e.cx) / e.a) ** 2 + ((y - e.cy) / e.b) ** 2 <= 1;
}

/** Pixels of a width × height image for which `test` holds (what an area is derived from). */
export function countPixels(width: number, height: number, test: (x: number, y: number) => boolean): number {
  let n = 0;
  for (let y = 0; y < height; y += 1) for (let x = 0; x < width; x += 1) if (test(x, y)) n += 1;
  return n;
}

export function phantom(width: number, height: number, background: number, shapes: readonly { shape: Ellipse; hu: number }[]): Float32Array {
  const hu = new Float32Array(width * height).fill(background);
  for (const { shape, hu: value } of shapes) {
    for (let y = 0; y < height; y += 1) for (let x = 0; x < width; x += 1) if (inside(shape, x, y)) hu[y * width + x] = value;
  }
  return hu;
}
