import type { GrayImage } from '../../GrayImage';
import type { PillowFilter } from '../pillowResize';

const PRECISION_BITS = 32 - 8 - 2;

const sinc = (x: number): number => (x === 0 ? 1 : Math.sin(x * Math.PI) / (x * Math.PI));

const FILTERS: Record<Exclude<PillowFilter, 'nearest'>, { support: number; fn: (x: number) => number }> = {
  box: { support: 0.5, fn: (x) => (x > -0.5 && x <= 0.5 ? 1 : 0) },
  bilinear: { support: 1, fn: (x) => (Math.abs(x) < 1 ? 1 - Math.abs(x) : 0) },
  hamming: { support: 1, fn: (x) => { const ax = Math.abs(x); return ax === 0 ? 1 : ax >= 1 ? 0 : sinc(ax) * (0.54 + 0.46 * Math.cos(ax * Math.PI)); } },
  bicubic: {
    support: 2,
    fn: (x) => {
      const a = -0.5;
      const ax = Math.abs(x);
      if (ax < 1) return ((a + 2) * ax - (a + 3)) * ax * ax + 1;
      if (ax < 2) return (((ax - 5) * ax + 8) * ax - 4) * a;
      return 0;
    },
  },
  lanczos: { support: 3, fn: (x) => (x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0) },
};

interface Coefficients {
  ksize: number;
  bounds: Int32Array; // [xmin, count] per output pixel
  weights: Int32Array; // ksize per output pixel, fixed point
}

function precompute(inSize: number, outSize: number, filter: { support: number; fn: (x: number) => number }): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = filter.support * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx += 1) {
    const center = (xx + 0.5) * scale;
    // C's (int) cast truncates toward zero
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let total = 0;
    k.fill(0);
    for (let x = 0; x < xmax; x += 1) {
      const w = filter.fn((x + xmin - center + 0.5) / filterScale);
      k[x] = w;
      total += w;
    }
    for (let x = 0; x < ksize; x += 1) {
      const w = x < xmax && total !== 0 ? k[x] / total : x < xmax ? k[x] : 0;
      const fixed = w * (1 << PRECISION_BITS);
      weights[xx * ksize + x] = w < 0 ? Math.trunc(-0.5 + fixed) : Math.trunc(0.5 + fixed);
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, weights };
}

function clip8(value: number): number {
  if (value >= 1 << PRECISION_BITS << 8) return 255;
  if (value <= 0) return 0;
  return value >> PRECISION_BITS;
}

function nearest(image: GrayImage, width: number, height: number): GrayImage {
  // Pillow's NEAREST samples the source pixel under each output pixel's centre.
  const data = new Uint8Array(width * height);
  const sx = image.width / width;
  const sy = image.height / height;
  for (let y = 0; y < height; y += 1) {
    const srcY = Math.min(Math.floor((y + 0.5) * sy), image.height - 1);
    for (let x = 0; x < width; x += 1) data[y * width + x] = image.data[srcY * image.width + Math.min(Math.floor((x + 0.5) * sx), image.width - 1)];
  }
  return { width, height, data };
}

// The passes keep their arrays in locals: V8 then keeps the inner loops on typed-array fast paths (about 3× faster
// than reading them through the objects), and the integer arithmetic stays exact either way.
function horizontalPass(image: GrayImage, width: number, rows: number, offset: number, c: Coefficients): GrayImage {
  const out = new Uint8Array(width * rows);
  const src = image.data;
  const srcWidth = image.width;
  const { bounds, weights, ksize } = c;
  const half = 1 << (PRECISION_BITS - 1);
  for (let y = 0; y < rows; y += 1) {
    const row = (y + offset) * srcWidth;
    const outRow = y * width;
    for (let xx = 0; xx < width; xx += 1) {
      const start = row + bounds[xx * 2];
      const count = bounds[xx * 2 + 1];
      const base = xx * ksize;
      let sum = half;
      for (let x = 0; x < count; x += 1) sum += src[start + x] * weights[base + x];
      out[outRow + xx] = clip8(sum);
    }
  }
  return { width, height: rows, data: out };
}

function verticalPass(image: GrayImage, height: number, c: Coefficients): GrayImage {
  const { width } = image;
  const out = new Uint8Array(width * height);
  const src = image.data;
  const { bounds, weights, ksize } = c;
  const half = 1 << (PRECISION_BITS - 1);
  const sums = new Float64Array(width);
  for (let yy = 0; yy < height; yy += 1) {
    const ymin = bounds[yy * 2];
    const count = bounds[yy * 2 + 1];
    const base = yy * ksize;
    // Row by row over the source (cache-friendly), accumulating every output column at once.
    sums.fill(half);
    for (let y = 0; y < count; y += 1) {
      const k = weights[base + y];
      const row = (ymin + y) * width;
      for (let xx = 0; xx < width; xx += 1) sums[xx] += src[row + xx] * k;
    }
    const outRow = yy * width;
    for (let xx = 0; xx < width; xx += 1) out[outRow + xx] = clip8(sums[xx]);
  }
  return { width, height, data: out };
}

/**
 * pillowResize as it was before its passes used int32 arithmetic (commit 6446a8c): the reference that
 * pillowResize.test.ts and bench/pixels compare it with.
 */
export function pillowResizeReference(image: GrayImage, width: number, height: number, filterName: PillowFilter = 'bicubic'): GrayImage {
  if (filterName === 'nearest') return nearest(image, width, height);
  const filter = FILTERS[filterName];
  const needHorizontal = width !== image.width;
  const needVertical = height !== image.height;
  if (!needHorizontal && !needVertical) return { width, height, data: image.data.slice() };
  const horizontal = needHorizontal ? precompute(image.width, width, filter) : undefined;
  const vertical = needVertical ? precompute(image.height, height, filter) : undefined;
  // Pillow (13) runs the vertical pass first when the height shrinks by more than twice as many pixels as the width
  // does, else the horizontal pass first; the two orders round differently, so the order must match too.
  const verticalFirst = height < image.height && image.height - height > (image.width - width) * 2;
  if (!horizontal) return verticalPass(image, height, vertical as Coefficients);
  if (!vertical) return horizontalPass(image, width, image.height, 0, horizontal);
  if (verticalFirst) return horizontalPass(verticalPass(image, height, vertical), width, height, 0, horizontal);
  // Horizontal first: only the source rows the vertical pass reads are resampled.
  const first = vertical.bounds[0];
  const last = vertical.bounds[(height - 1) * 2] + vertical.bounds[(height - 1) * 2 + 1];
  for (let i = 0; i < height; i += 1) vertical.bounds[i * 2] -= first;
  return verticalPass(horizontalPass(image, width, last - first, first, horizontal), height, vertical);
}
