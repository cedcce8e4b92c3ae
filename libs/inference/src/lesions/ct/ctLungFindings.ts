import { CT_LESION_SUPERVISION, CT_LUNG_METHOD, type CtLesionMapRule, type CtLungFindings, type CtSliceLungFindings } from '@lungflow/dicom';
import type { CamPlane } from '../lesionFeatures';
import { cellPixels, type CtLungSegmentation, type CtSliceGeometry } from '@lungflow/results';

/**
 * The CAM on the segmentation grid (README "CT" rule 7): bilinear between CAM cell centres (clamped at the edges).
 * The model input is the whole slice resized to a square, so the CAM spans the whole slice: grid cell x's centre in
 * CAM units is u = (x + 0.5)·factor / sourceWidth · camWidth - 0.5 (edge cells clipped by the image are taken at
 * full size; the error is under one source pixel).
 */
function camOnGrid(seg: CtLungSegmentation, cam: CamPlane): Float32Array {
  const axis = (cells: number, source: number, camSize: number): { lo: Int32Array; hi: Int32Array; w: Float32Array } => {
    const lo = new Int32Array(cells);
    const hi = new Int32Array(cells);
    const w = new Float32Array(cells);
    for (let i = 0; i < cells; i += 1) {
      const u = Math.min(camSize - 1, Math.max(0, (((i + 0.5) * seg.factor) / source) * camSize - 0.5));
      const low = Math.floor(u);
      lo[i] = low;
      hi[i] = Math.min(camSize - 1, low + 1);
      w[i] = u - low;
    }
    return { lo, hi, w };
  };
  const xs = axis(seg.width, seg.sourceWidth, cam.width);
  const ys = axis(seg.height, seg.sourceHeight, cam.height);
  const out = new Float32Array(seg.width * seg.height);
  for (let y = 0, i = 0; y < seg.height; y += 1) {
    const top = (ys.lo[y] as number) * cam.width;
    const bottom = (ys.hi[y] as number) * cam.width;
    const wy = ys.w[y] as number;
    for (let x = 0; x < seg.width; x += 1, i += 1) {
      const x0 = xs.lo[x] as number;
      const x1 = xs.hi[x] as number;
      const wx = xs.w[x] as number;
      const upper = (cam.data[top + x0] as number) * (1 - wx) + (cam.data[top + x1] as number) * wx;
      const lower = (cam.data[bottom + x0] as number) * (1 - wx) + (cam.data[bottom + x1] as number) * wx;
      out[i] = upper * (1 - wy) + lower * wy;
    }
  }
  return out;
}

export interface CtSliceInput {
  segmentation: CtLungSegmentation;
  geometry: Pick<CtSliceGeometry, 'rowSpacingMm' | 'columnSpacingMm' | 'sliceThicknessMm' | 'positionMm'>;
  /** The CAM of `rule.className` for this slice (ct-v1: 8 × 8); undefined gives no lesion cells. */
  cam: CamPlane | undefined;
  rule: CtLesionMapRule;
  sopInstanceUid: string | null;
  /** 1-based. */
  frame: number;
}

/**
 * One slice's lung and CAM-based lesion numbers (README "CT" rules 7–8): lesion cells are lung cells where the
 * upsampled CAM is >= rule.relativeThreshold × its maximum over the lung cells, none when that maximum is <= 0.
 */
export function ctSliceLungFindings(input: CtSliceInput): CtSliceLungFindings {
  const { segmentation: seg, geometry, cam, rule } = input;
  const n = seg.width * seg.height;
  const lesionMask = new Uint8Array(n);
  let lesionPixels = 0;
  if (cam && seg.lungPixels > 0) {
    const values = camOnGrid(seg, cam);
    let max = -Infinity;
    for (let i = 0; i < n; i += 1) if (seg.lungMask[i] && (values[i] as number) > max) max = values[i] as number;
    if (max > 0) {
      const cut = rule.relativeThreshold * max;
      for (let y = 0, i = 0; y < seg.height; y += 1) {
        for (let x = 0; x < seg.width; x += 1, i += 1) {
          if (!seg.lungMask[i] || (values[i] as number) < cut) continue;
          lesionMask[i] = 1;
          lesionPixels += cellPixels(seg, x, y);
        }
      }
    }
  }
  const pixelMm2 = geometry.rowSpacingMm !== null && geometry.columnSpacingMm !== null ? geometry.rowSpacingMm * geometry.columnSpacingMm : null;
  return {
    sopInstanceUid: input.sopInstanceUid,
    frame: input.frame,
    positionMm: geometry.positionMm,
    sliceThicknessMm: geometry.sliceThicknessMm,
    lungs: {
      pixels: seg.lungPixels,
      areaFraction: seg.lungPixels / (seg.sourceWidth * seg.sourceHeight),
      areaMm2: pixelMm2 === null ? null : seg.lungPixels * pixelMm2,
      components: seg.components,
    },
    lesions: {
      pixels: lesionPixels,
      fraction: seg.lungPixels > 0 ? lesionPixels / seg.lungPixels : 0,
      areaMm2: pixelMm2 === null ? null : lesionPixels * pixelMm2,
    },
    gridFactor: seg.factor,
    lungMask: { width: seg.width, height: seg.height, data: seg.lungMask },
    lesionMask: { width: seg.width, height: seg.height, data: lesionMask },
  };
}

/**
 * A slice shows lung when the segmentation kept at least one lung region (rule 5: an air region inside the body of
 * at least 500 mm², so the trachea alone or a little bowel gas does not count). The one definition behind
 * `slicesWithLungs` and the no-lungs decision of a CT slice (analyzeInstance).
 */
export function ctSliceHasLungs(slice: Pick<CtSliceLungFindings, 'lungs'>): boolean {
  return slice.lungs.pixels > 0;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Positions closer than this are the same slice position (DS values are rounded). */
const SAME_POSITION_MM = 1e-3;

/** README "CT" rule 9: the depth one slice stands for. */
function sliceSpacingOf(slices: readonly CtSliceLungFindings[]): Pick<CtLungFindings['lungs'], 'sliceSpacingMm' | 'sliceSpacingFrom'> {
  const positions = slices.map((s) => s.positionMm);
  if (positions.every((p): p is number => p !== null)) {
    const sorted = [...positions].sort((a, b) => a - b);
    const gaps: number[] = [];
    for (let i = 1; i < sorted.length; i += 1) {
      const gap = (sorted[i] as number) - (sorted[i - 1] as number);
      if (gap > SAME_POSITION_MM) gaps.push(gap);
    }
    if (gaps.length > 0) return { sliceSpacingMm: median(gaps), sliceSpacingFrom: 'positions' };
  }
  const thicknesses = slices.map((s) => s.sliceThicknessMm);
  if (thicknesses.length > 0 && thicknesses.every((t): t is number => t !== null)) return { sliceSpacingMm: median(thicknesses), sliceSpacingFrom: 'SliceThickness' };
  return { sliceSpacingMm: null, sliceSpacingFrom: null };
}

/**
 * A series' lung volume and CAM-based involvement from its slices (README "CT" rules 9–10). Slices are ordered by
 * position when all have one. An empty list gives zeros and nulls (no slice measured).
 */
export function ctLungFindings(slices: readonly CtSliceLungFindings[], rule: CtLesionMapRule): CtLungFindings {
  const ordered = slices.every((s) => s.positionMm !== null) ? [...slices].sort((a, b) => (a.positionMm as number) - (b.positionMm as number)) : [...slices];
  const spacing = sliceSpacingOf(ordered);
  const inMm2 = ordered.length > 0 && ordered.every((s) => s.lungs.areaMm2 !== null);
  let lung = 0;
  let lesion = 0;
  for (const s of ordered) {
    lung += inMm2 ? (s.lungs.areaMm2 as number) : s.lungs.pixels;
    lesion += inMm2 ? (s.lesions.areaMm2 as number) : s.lesions.pixels;
  }
  const volumeFraction = lung > 0 ? lesion / lung : 0;
  const volumeMl = inMm2 && spacing.sliceSpacingMm !== null ? (lung * spacing.sliceSpacingMm) / 1000 : null;
  return {
    lungs: {
      method: CT_LUNG_METHOD,
      volumeMl,
      ...spacing,
      slices: ordered.length,
      slicesWithLungs: ordered.filter(ctSliceHasLungs).length,
    },
    lesions: {
      supervision: CT_LESION_SUPERVISION,
      className: rule.className,
      relativeThreshold: rule.relativeThreshold,
      volumeFraction,
      volumeMl: volumeMl === null ? null : volumeFraction * volumeMl,
    },
    slices: ordered,
  };
}
