/**
 * Classical lung segmentation of one CT slice in Hounsfield units (lesions/README.md, "CT", rules 1–6). No model:
 * thresholds and connected components on a grid of at most 256 × 256 cells, each pass O(cells) over typed arrays.
 */

/** The rules' constants (README "CT"), in one place so the README, the tests and the code name the same numbers. */
export const CT_LUNG_RULES = Object.freeze({
  /** Largest grid side: the slice is averaged over factor × factor blocks, factor = ceil(max side / this). */
  maxGridSize: 256,
  /** Air-like: a cell's mean HU below this (aerated lung -900..-500, soft tissue > -100, fat about -100). */
  airHu: -320,
  /** An air region touching the image edge is outside the patient when its mean HU is below this (air -1000 and
   *  padding -1024..-3024; lung cut by a small field of view averages -900..-600 and is kept). */
  outsideMeanHu: -900,
  /** An air region inside the body whose mean HU is below this is gas, not lung parenchyma (trachea, bowel,
   *  stomach, sinuses: about -1000). */
  gasMeanHu: -950,
  /** Smallest lung region kept, mm² (the trachea is about 250 mm²); without Pixel Spacing, a share of the slice. */
  minComponentMm2: 500,
  minComponentFraction: 0.005,
  /** Holes enclosed by lung (vessels, nodules, consolidation) are filled up to this share of the lung area; a larger
   *  enclosed region is the mediastinum between two lungs that touch, and stays out. */
  maxHoleFraction: 0.25,
});

export interface CtLungSegmentation {
  /** Source size. */
  sourceWidth: number;
  sourceHeight: number;
  /** The grid: cell (x, y) averages source columns [x·factor, (x+1)·factor) and rows likewise, clipped at the edge. */
  factor: number;
  width: number;
  height: number;
  /** 1 = lung, row-major on the grid. */
  lungMask: Uint8Array;
  /** Lung regions kept (before hole filling). */
  components: number;
  /** Source pixels under the lung cells. */
  lungPixels: number;
}

export interface CtLungOptions {
  /** Area of one source pixel in mm² (Pixel Spacing), null when unknown: the minimum region is then a share of the slice. */
  pixelAreaMm2?: number | null;
}

/** Source pixels under grid cell (x, y): factor² except in the last column and row when the side is not a multiple. */
export function cellPixels(seg: Pick<CtLungSegmentation, 'factor' | 'sourceWidth' | 'sourceHeight'>, x: number, y: number): number {
  return Math.min(seg.factor, seg.sourceWidth - x * seg.factor) * Math.min(seg.factor, seg.sourceHeight - y * seg.factor);
}

/**
 * Block means of the slice on the grid (rule 1). Each cell's sum adds its pixels in raster order, as a plain
 * per-pixel loop would, so the means do not depend on how the loop is written; the pixel counts follow from the
 * geometry (cellPixels) instead of being counted.
 */
function gridOf(hu: Float32Array, width: number, height: number): { factor: number; width: number; height: number; hu: Float32Array; pixels: Uint32Array } {
  const factor = Math.max(1, Math.ceil(Math.max(width, height) / CT_LUNG_RULES.maxGridSize));
  const gw = Math.ceil(width / factor);
  const gh = Math.ceil(height / factor);
  const sum = new Float64Array(gw * gh);
  const pixels = new Uint32Array(gw * gh);
  for (let y = 0; y < height; y += 1) {
    const rowBase = Math.floor(y / factor) * gw;
    let at = y * width;
    for (let cx = 0; cx < gw; cx += 1) {
      const end = Math.min(at + factor, (y + 1) * width);
      let acc = sum[rowBase + cx] as number;
      for (; at < end; at += 1) acc += hu[at] as number;
      sum[rowBase + cx] = acc;
    }
  }
  const mean = new Float32Array(gw * gh);
  for (let cy = 0, i = 0; cy < gh; cy += 1) {
    const rows = Math.min(factor, height - cy * factor);
    for (let cx = 0; cx < gw; cx += 1, i += 1) {
      pixels[i] = Math.min(factor, width - cx * factor) * rows;
      mean[i] = (sum[i] as number) / (pixels[i] as number);
    }
  }
  return { factor, width: gw, height: gh, hu: mean, pixels };
}

/**
 * 4-connected components of the cells where `mask` is 1: labels 1..count (0 elsewhere). One breadth-first pass with
 * a preallocated queue, so no allocation per cell.
 */
function labelComponents(mask: Uint8Array, width: number, height: number, labels: Int32Array, queue: Int32Array): number {
  labels.fill(0);
  let count = 0;
  const last = (height - 1) * width;
  for (let start = 0; start < mask.length; start += 1) {
    if (!mask[start] || labels[start]) continue;
    count += 1;
    labels[start] = count;
    let head = 0;
    let tail = 0;
    queue[tail++] = start;
    while (head < tail) {
      const i = queue[head++] as number;
      const x = i % width;
      // Left, right, up, down (row tests on the index: no division per cell).
      if (x > 0 && mask[i - 1] && !labels[i - 1]) { labels[i - 1] = count; queue[tail++] = i - 1; }
      if (x < width - 1 && mask[i + 1] && !labels[i + 1]) { labels[i + 1] = count; queue[tail++] = i + 1; }
      if (i >= width && mask[i - width] && !labels[i - width]) { labels[i - width] = count; queue[tail++] = i - width; }
      if (i < last && mask[i + width] && !labels[i + width]) { labels[i + width] = count; queue[tail++] = i + width; }
    }
  }
  return count;
}

/** Per component: source pixels, HU sum (weighted by pixels), whether it touches the grid's edge. */
function componentStats(labels: Int32Array, count: number, width: number, height: number, pixels: Uint32Array, hu?: Float32Array): { size: Float64Array; huSum: Float64Array; border: Uint8Array } {
  const size = new Float64Array(count + 1);
  const huSum = new Float64Array(count + 1);
  const border = new Uint8Array(count + 1);
  for (let i = 0; i < labels.length; i += 1) {
    const c = labels[i] as number;
    if (c) size[c] += pixels[i] as number;
  }
  if (hu) {
    for (let i = 0; i < labels.length; i += 1) {
      const c = labels[i] as number;
      if (c) huSum[c] += (hu[i] as number) * (pixels[i] as number);
    }
  }
  // Only the edge cells can touch the border: the first and last rows, then the first and last column.
  const lastRow = (height - 1) * width;
  for (let x = 0; x < width; x += 1) {
    border[labels[x] as number] = 1;
    border[labels[lastRow + x] as number] = 1;
  }
  for (let i = width; i < lastRow; i += width) {
    border[labels[i] as number] = 1;
    border[labels[i + width - 1] as number] = 1;
  }
  border[0] = 0; // label 0 is no component
  return { size, huSum, border };
}

/**
 * The lungs of one slice (`hu`: width × height modality values in HU, row-major), README "CT" rules 1–6:
 * 1. grid: block means over factor × factor (factor = ceil(max side / 256));
 * 2. air: cells below -320 HU, 4-connected regions;
 * 3. outside: air regions touching the image edge with a mean below -900 HU;
 * 4. body: the largest 4-connected region of everything else (drops the table and other separate objects);
 * 5. lungs: air regions in the body, not outside, with a mean of at least -950 HU (not gas) and at least 500 mm²
 *    (0.5 % of the slice without Pixel Spacing): all of them, not only two (disease often splits a lung);
 * 6. holes: regions enclosed by lung up to 25 % of the lung area are filled (vessels, nodules, enclosed opacities).
 */
export function segmentCtLungs(hu: Float32Array, width: number, height: number, options: CtLungOptions = {}): CtLungSegmentation {
  if (hu.length !== width * height) throw new RangeError(`segmentCtLungs: ${hu.length} values for ${width} × ${height}`);
  const grid = gridOf(hu, width, height);
  const n = grid.width * grid.height;
  const labels = new Int32Array(n);
  const queue = new Int32Array(n);
  const mask = new Uint8Array(n);
  const result = (lungMask: Uint8Array, components: number, lungPixels: number): CtLungSegmentation => ({
    sourceWidth: width, sourceHeight: height, factor: grid.factor, width: grid.width, height: grid.height, lungMask, components, lungPixels,
  });

  // Rule 2: air regions.
  for (let i = 0; i < n; i += 1) mask[i] = (grid.hu[i] as number) < CT_LUNG_RULES.airHu ? 1 : 0;
  const airCount = labelComponents(mask, grid.width, grid.height, labels, queue);
  const air = componentStats(labels, airCount, grid.width, grid.height, grid.pixels, grid.hu);
  const airLabels = labels.slice();
  // Rule 3: outside the patient.
  const outside = new Uint8Array(airCount + 1);
  for (let c = 1; c <= airCount; c += 1) outside[c] = air.border[c] && (air.huSum[c] as number) / (air.size[c] as number) < CT_LUNG_RULES.outsideMeanHu ? 1 : 0;

  // Rule 4: the body is the largest region of what is not outside air.
  for (let i = 0; i < n; i += 1) mask[i] = outside[airLabels[i] as number] ? 0 : 1;
  const bodyCount = labelComponents(mask, grid.width, grid.height, labels, queue);
  if (bodyCount === 0) return result(new Uint8Array(n), 0, 0);
  const body = componentStats(labels, bodyCount, grid.width, grid.height, grid.pixels);
  let bodyLabel = 1;
  for (let c = 2; c <= bodyCount; c += 1) if ((body.size[c] as number) > (body.size[bodyLabel] as number)) bodyLabel = c;

  // Rule 5: lung regions. Each air region lies within one body region (air not outside is part of the complement).
  const minPixels = options.pixelAreaMm2 && options.pixelAreaMm2 > 0 ? CT_LUNG_RULES.minComponentMm2 / options.pixelAreaMm2 : CT_LUNG_RULES.minComponentFraction * width * height;
  const inBody = new Uint8Array(airCount + 1);
  for (let i = 0; i < n; i += 1) if (labels[i] === bodyLabel) inBody[airLabels[i] as number] = 1;
  const keep = new Uint8Array(airCount + 1);
  let components = 0;
  let lungPixels = 0;
  for (let c = 1; c <= airCount; c += 1) {
    const size = air.size[c] as number;
    if (outside[c] || !inBody[c] || size < minPixels || (air.huSum[c] as number) / size < CT_LUNG_RULES.gasMeanHu) continue;
    keep[c] = 1;
    components += 1;
    lungPixels += size;
  }
  const lungMask = new Uint8Array(n);
  for (let i = 0; i < n; i += 1) lungMask[i] = keep[airLabels[i] as number] ? 1 : 0;
  if (components === 0) return result(lungMask, 0, 0);

  // Rule 6: fill the regions of non-lung that do not reach the image edge, up to 25 % of the lung area each.
  for (let i = 0; i < n; i += 1) mask[i] = lungMask[i] ? 0 : 1;
  const restCount = labelComponents(mask, grid.width, grid.height, labels, queue);
  const rest = componentStats(labels, restCount, grid.width, grid.height, grid.pixels);
  const fill = new Uint8Array(restCount + 1);
  const maxHole = CT_LUNG_RULES.maxHoleFraction * lungPixels;
  let filled = 0;
  for (let c = 1; c <= restCount; c += 1) {
    if (!rest.border[c] && (rest.size[c] as number) <= maxHole) {
      fill[c] = 1;
      filled += rest.size[c] as number;
    }
  }
  for (let i = 0; i < n; i += 1) if (fill[labels[i] as number]) lungMask[i] = 1;
  return result(lungMask, components, lungPixels + filled);
}

/**
 * The lung grid at the slice's own size (0/1 per source pixel, each pixel taking the cell that averages it): what a
 * CT heatmap is coloured inside. The grid is not resampled as a whole-image mask would be, because its last column
 * and row can be partial cells (a side that is not a multiple of the factor).
 */
export function ctLungsAtSource(seg: Pick<CtLungSegmentation, 'factor' | 'width' | 'sourceWidth' | 'sourceHeight' | 'lungMask'>): { width: number; height: number; data: Uint8Array } {
  const { factor, sourceWidth, sourceHeight } = seg;
  const data = new Uint8Array(sourceWidth * sourceHeight);
  for (let y = 0; y < sourceHeight; y += 1) {
    const row = Math.floor(y / factor) * seg.width;
    for (let x = 0; x < sourceWidth; x += 1) data[y * sourceWidth + x] = seg.lungMask[row + Math.floor(x / factor)] ? 1 : 0;
  }
  return { width: sourceWidth, height: sourceHeight, data };
}
