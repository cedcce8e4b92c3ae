import type { LungMap } from '../lungs/lungMask';

/** Regions measured (README rule 6), in this order: the whole lungs, each side, the six zones. */
export const LESION_REGIONS = ['total', 'right', 'left', 'rightUpper', 'rightMiddle', 'rightLower', 'leftUpper', 'leftMiddle', 'leftLower'] as const;
export const LESION_MEASURES = ['lesionFraction', 'meanCam', 'meanIntensity', 'lungFraction'] as const;

export type LesionRegion = (typeof LESION_REGIONS)[number];
export type LesionMeasure = (typeof LESION_MEASURES)[number];

/** The class activation map the lesions are read from, at the CAM's own resolution (56×56 for cxr-v2). */
export interface CamPlane {
  width: number;
  height: number;
  data: Float32Array;
}

export interface LesionGrid {
  /** `<region>.<measure>` → value: what the regressions (and lesions-golden.json) are keyed by. */
  features: Record<string, number>;
  /** Lung and lesion pixel counts per region, in LESION_REGIONS order. */
  lungPixels: Record<LesionRegion, number>;
  lesionPixels: Record<LesionRegion, number>;
  /** The measurement grid (the lung map's size, 112×112 for cxr-v2). */
  width: number;
  height: number;
  /** 0/1 masks on the grid. */
  lungMask: Uint8Array;
  lesionMask: Uint8Array;
  /** The lung pixel with the highest normalised CAM (first in row-major order on ties); null without lung pixels. */
  peak: { x: number; y: number; value: number } | null;
  /** What the CAM was divided by (1 when not normalised). */
  camScale: number;
}

export interface LesionGridInput {
  lungs: LungMap;
  /** Lung probability above which a pixel is lung (strictly, README rule 2). */
  lungThreshold: number;
  cam: CamPlane;
  normalise: 'none' | 'maxInLungs';
  lesionThreshold: number;
  /** The uint8 model input (S×S, S a whole multiple of the grid: 224 for a 112 grid). */
  modelInput: Uint8Array;
}

function factorOf(big: number, small: number, what: string): number {
  const factor = big / small;
  if (!Number.isInteger(factor) || factor < 1) throw new RangeError(`${what}: ${big} is not a whole multiple of ${small}`);
  return factor;
}

// Region indices into the accumulators.
const TOTAL = 0;
const SIDE_RIGHT = 1;
const SIDE_LEFT = 2;
const ZONE_BASE = [3, 6]; // right zones 3..5, left zones 6..8 (upper, middle, lower)

/**
 * What README rule 5 divides the CAM by: its maximum over the lung pixels of the grid (the CAM repeated onto the
 * grid) with `maxInLungs` when that is > 0, else 1.
 */
export function camScaleOf(lungs: LungMap, lungThreshold: number, cam: CamPlane, normalise: 'none' | 'maxInLungs'): number {
  if (normalise === 'none') return 1;
  const fx = factorOf(lungs.width, cam.width, 'lung grid width / CAM width');
  const fy = factorOf(lungs.height, cam.height, 'lung grid height / CAM height');
  let camMax = -Infinity;
  for (let y = 0; y < lungs.height; y += 1) {
    const camRow = Math.floor(y / fy) * cam.width;
    for (let x = 0; x < lungs.width; x += 1) {
      if (!((lungs.data[y * lungs.width + x] as number) > lungThreshold)) continue;
      const c = cam.data[camRow + Math.floor(x / fx)] as number;
      if (c > camMax) camMax = c;
    }
  }
  return camMax > 0 ? camMax : 1;
}

/**
 * Measures lesions on the lung grid exactly as README rules 1–6 and 9 say: three passes over W×H cells (bounding box
 * and CAM maximum; each side's rows; then the per-region sums), no allocation per pixel.
 */
export function lesionGrid(input: LesionGridInput): LesionGrid {
  const { lungs, cam, modelInput } = input;
  const width = lungs.width;
  const height = lungs.height;
  if (lungs.data.length !== width * height) throw new RangeError(`lung map of ${lungs.data.length} values does not match ${width}×${height}`);
  if (cam.data.length !== cam.width * cam.height) throw new RangeError(`CAM of ${cam.data.length} values does not match ${cam.width}×${cam.height}`);
  const camFx = factorOf(width, cam.width, 'lung grid width / CAM width');
  const camFy = factorOf(height, cam.height, 'lung grid height / CAM height');
  const side = Math.round(Math.sqrt(modelInput.length));
  if (side * side !== modelInput.length) throw new RangeError(`model input of ${modelInput.length} bytes is not square`);
  const inFx = factorOf(side, width, 'model input / lung grid');
  const inFy = factorOf(side, height, 'model input / lung grid');
  const camAt = (x: number, y: number): number => cam.data[Math.floor(y / camFy) * cam.width + Math.floor(x / camFx)] as number;

  const lungMask = new Uint8Array(width * height);
  const lesionMask = new Uint8Array(width * height);
  const threshold = input.lungThreshold;

  // Pass 1: lung pixels, their bounding box columns, the CAM maximum over them.
  let minX = width;
  let maxX = -1;
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const i = y * width + x;
      if (!((lungs.data[i] as number) > threshold)) continue;
      lungMask[i] = 1;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
    }
  }
  const camScale = camScaleOf(lungs, threshold, cam, input.normalise);
  // Rule 3: x < mid is the patient's right. Kept as 2x < minX + maxX + 1 to stay in integers.
  const midTwice = minX + maxX + 1;

  // Pass 2: each side's row extent.
  const top = [height, height];
  const bottom = [-1, -1];
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      if (lungMask[y * width + x] === 0) continue;
      const s = 2 * x < midTwice ? 0 : 1;
      if (y < (top[s] as number)) top[s] = y;
      if (y > (bottom[s] as number)) bottom[s] = y;
    }
  }

  // Pass 3: per-region sums.
  const lungCount = new Float64Array(LESION_REGIONS.length);
  const lesionCount = new Float64Array(LESION_REGIONS.length);
  const camSum = new Float64Array(LESION_REGIONS.length);
  const intensitySum = new Float64Array(LESION_REGIONS.length);
  const cellArea = inFx * inFy * 255;
  const add = (r: number, lesion: number, value: number, intensity: number): void => {
    lungCount[r] += 1;
    lesionCount[r] += lesion;
    camSum[r] += value;
    intensitySum[r] += intensity;
  };
  let peakIndex = -1;
  let peakValue = -Infinity;
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const i = y * width + x;
      if (lungMask[i] === 0) continue;
      const s = 2 * x < midTwice ? 0 : 1;
      const t = top[s] as number;
      const h = (bottom[s] as number) - t + 1;
      // Rule 4 (upper y < top + h/3, middle y < top + 2h/3), multiplied by 3 to stay in integers.
      const zone = 3 * (y - t) < h ? 0 : 3 * (y - t) < 2 * h ? 1 : 2;
      const value = camAt(x, y) / camScale;
      const lesion = value >= input.lesionThreshold ? 1 : 0;
      lesionMask[i] = lesion;
      let intensity = 0;
      for (let dy = 0; dy < inFy; dy += 1) {
        const row = (y * inFy + dy) * side + x * inFx;
        for (let dx = 0; dx < inFx; dx += 1) intensity += modelInput[row + dx] as number;
      }
      intensity /= cellArea;
      add(TOTAL, lesion, value, intensity);
      add(s === 0 ? SIDE_RIGHT : SIDE_LEFT, lesion, value, intensity);
      add((ZONE_BASE[s] as number) + zone, lesion, value, intensity);
      if (peakIndex < 0 || value > peakValue) {
        peakIndex = i;
        peakValue = value;
      }
    }
  }

  const features: Record<string, number> = {};
  const lungPixels = {} as Record<LesionRegion, number>;
  const lesionPixels = {} as Record<LesionRegion, number>;
  const cells = width * height;
  LESION_REGIONS.forEach((region, r) => {
    const n = lungCount[r] as number;
    lungPixels[region] = n;
    lesionPixels[region] = lesionCount[r] as number;
    features[`${region}.lesionFraction`] = n > 0 ? (lesionCount[r] as number) / n : 0;
    features[`${region}.meanCam`] = n > 0 ? (camSum[r] as number) / n : 0;
    features[`${region}.meanIntensity`] = n > 0 ? (intensitySum[r] as number) / n : 0;
    features[`${region}.lungFraction`] = n / cells;
  });
  const peak = peakIndex < 0 ? null : { x: peakIndex % width, y: Math.floor(peakIndex / width), value: peakValue };
  return { features, lungPixels, lesionPixels, width, height, lungMask, lesionMask, peak, camScale };
}
