import type { ModelCard } from '../modelCard';
import type { Classification } from '../OnnxClassifier';
import { lesionFindings } from './lesionFindings';
import { lesionGrid } from './lesionFeatures';
import type { LesionModel } from './lesionModel';

// A 6×6 lung grid, a 3×3 CAM (each cell covers 2×2 grid cells) and a 12×12 model input (2×2 per grid cell), small
// enough that every expected number below is worked out by hand from README.md's rules.
//
//   lung probability (L = 0.9, . = 0.1, h = 0.5 exactly: not lung, rule 2 is strict)
//     x: 0 1 2 3 4 5
//   y0   L L . . L L      bounding box x 0..5 -> mid = (0 + 5 + 1) / 2 = 3: x 0,1 the patient's right, x 4,5 left
//   y1   L L . . L L      right rows 0..5 (h 6): upper y 0-1, middle 2-3, lower 4-5
//   y2   L L . . L L      left rows 0..2 (h 3): upper y 0, middle 1, lower 2
//   y3   L L . . . .      (were h at (3,5) lung, the left would span rows 0..5 and every left zone would change)
//   y4   L L . . . .
//   y5   L L . h . .
//
//   CAM of covid19, per 2×2 block (cx, cy):   cx0  cx1  cx2
//                                       cy0    4   100    3      100 lies outside the lungs: not the maximum
//                                       cy1    2   100    8      max over lung pixels = 8 (left, row 2)
//                                       cy2    1   100    0
//   normalised (÷8): right upper 0.5, middle 0.25, lower 0.125; left upper 0.375, middle 0.375, lower 1
//   lesion (>= 0.5): right upper (4 px, exactly 0.5) and left lower (2 px): 6 of 18 lung pixels
//
//   model input: each 2×2 block of grid cell x holds 10x and 10x + 20 (rows alternate), so its mean is 10x + 10:
//   right lung (x 0,1) 10 and 20 -> 15; left (x 4,5) 50 and 60 -> 55 (then /255)
const W = 6;
const LUNG = new Set(['0,0', '1,0', '4,0', '5,0', '0,1', '1,1', '4,1', '5,1', '0,2', '1,2', '4,2', '5,2', '0,3', '1,3', '0,4', '1,4', '0,5', '1,5']);

function classification(cam: number[][] = [[4, 100, 3], [2, 100, 8], [1, 100, 0]]): Pick<Classification, 'cam' | 'lungs'> {
  const lungs = new Float32Array(W * W);
  for (let y = 0; y < W; y += 1) for (let x = 0; x < W; x += 1) lungs[y * W + x] = LUNG.has(`${x},${y}`) ? 0.9 : 0.1;
  lungs[5 * W + 3] = 0.5;
  const covid = Float32Array.from(cam.flat());
  return {
    lungs: { width: W, height: W, data: lungs, threshold: 0.5, areaFraction: 18 / 36 },
    cam: { width: 3, height: 3, maps: { covid19: covid, other: new Float32Array(9).fill(7) } },
  };
}

function modelInput(): Uint8Array {
  const input = new Uint8Array(12 * 12);
  for (let Y = 0; Y < 12; Y += 1) for (let X = 0; X < 12; X += 1) input[Y * 12 + X] = 10 * (X >> 1) + (Y % 2 === 1 ? 20 : 0);
  return input;
}

const card = { id: 'cxr-v2', operatingPoint: { className: 'covid19', threshold: 0.1 }, classes: [{ name: 'covid19' }, { name: 'other' }], files: { sha256: 'a'.repeat(64) } } as unknown as ModelCard;

const model: LesionModel = {
  schema: 'lungflow.lesions.v1',
  appliesTo: { model: 'cxr-v2', sha256: 'a'.repeat(64) },
  supervision: 'synthetic',
  lesionMap: { className: 'covid19', normalise: 'maxInLungs', threshold: 0.5 },
  brixiaZone: { intercept: 0.5, weights: { lesionFraction: 2, meanCam: 1 }, range: [0, 3] },
  extent: { intercept: -1, weights: { 'total.lesionFraction': 30 }, range: [0, 8] },
  opacity: { intercept: 1, weights: { 'right.meanIntensity': 25.5 }, range: [0, 6] },
  clinical: [
    { id: 'crp', display: 'C-reactive protein', unit: 'mg/L', estimable: true, nPatients: 40, intercept: 5, weights: { 'left.lesionFraction': 30 }, range: [0, 500] },
    { id: 'ldh', display: 'Lactate dehydrogenase', unit: 'U/L', estimable: false, nPatients: 12 },
    { id: 'lymphocytes', display: 'Lymphocytes', unit: '10*9/L', estimable: true, nPatients: 30, intercept: -10, weights: {}, range: [0, 10] },
  ],
};

describe('lesionGrid (README rules 1–6, 9)', () => {
  const grid = lesionGrid({ lungs: classification().lungs as NonNullable<Classification['lungs']>, lungThreshold: 0.5, cam: { width: 3, height: 3, data: classification().cam.maps.covid19 as Float32Array }, normalise: 'maxInLungs', lesionThreshold: 0.5, modelInput: modelInput() });
  const f = grid.features;

  it('splits sides at the bounding-box midline and zones by thirds of each side\'s own height', () => {
    expect(grid.lungPixels).toEqual({ total: 18, right: 12, left: 6, rightUpper: 4, rightMiddle: 4, rightLower: 4, leftUpper: 2, leftMiddle: 2, leftLower: 2 });
    expect(f['total.lungFraction']).toBeCloseTo(18 / 36, 12);
    expect(f['rightUpper.lungFraction']).toBeCloseTo(4 / 36, 12);
    expect(f['leftLower.lungFraction']).toBeCloseTo(2 / 36, 12);
  });

  it('puts a column exactly on the midline in the patient\'s left (x < mid is right)', () => {
    // Lung cells at x = 0, 3, 5 of row 0: mid = (0 + 5 + 1) / 2 = 3, so x = 3 is left, with x = 5.
    const lungs = new Float32Array(36);
    for (const x of [0, 3, 5]) lungs[x] = 0.9;
    const onMid = lesionGrid({ lungs: { width: 6, height: 6, data: lungs }, lungThreshold: 0.5, cam: { width: 3, height: 3, data: new Float32Array(9).fill(1) }, normalise: 'none', lesionThreshold: 0.5, modelInput: modelInput() });
    expect([onMid.lungPixels.right, onMid.lungPixels.left]).toEqual([1, 2]);
  });

  it('normalises the CAM by its maximum over lung pixels only and marks lesions at >= the threshold', () => {
    expect(grid.camScale).toBe(8);
    expect(grid.lesionPixels).toEqual({ total: 6, right: 4, left: 2, rightUpper: 4, rightMiddle: 0, rightLower: 0, leftUpper: 0, leftMiddle: 0, leftLower: 2 });
    expect(f['total.lesionFraction']).toBeCloseTo(6 / 18, 12);
    expect(f['rightUpper.lesionFraction']).toBe(1);
    expect(f['leftUpper.lesionFraction']).toBe(0);
    expect(f['right.meanCam']).toBeCloseTo((4 * 0.5 + 4 * 0.25 + 4 * 0.125) / 12, 12);
    expect(f['left.meanCam']).toBeCloseTo((2 * 0.375 + 2 * 0.375 + 2 * 1) / 6, 12);
    expect(f['total.meanCam']).toBeCloseTo(7 / 18, 12);
    // The masks: lesion cells are lung cells.
    expect(Array.from(grid.lungMask).reduce((a, b) => a + b, 0)).toBe(18);
    expect([...grid.lesionMask.keys()].filter((i) => grid.lesionMask[i] === 1)).toEqual([0, 1, 6, 7, 2 * W + 4, 2 * W + 5]);
  });

  it('averages the model input 2×2 onto the grid for meanIntensity (/255)', () => {
    expect(f['right.meanIntensity']).toBeCloseTo(15 / 255, 12);
    expect(f['left.meanIntensity']).toBeCloseTo(55 / 255, 12);
    expect(f['total.meanIntensity']).toBeCloseTo((12 * 15 + 6 * 55) / 18 / 255, 12);
  });

  it('names every region × measure and finds the first peak in row-major order', () => {
    expect(Object.keys(f)).toHaveLength(9 * 4);
    expect(grid.peak).toEqual({ x: 4, y: 2, value: 1 });
  });

  it('with normalise "none" compares the raw CAM with the threshold', () => {
    const raw = lesionGrid({ lungs: classification().lungs as NonNullable<Classification['lungs']>, lungThreshold: 0.5, cam: { width: 3, height: 3, data: classification().cam.maps.covid19 as Float32Array }, normalise: 'none', lesionThreshold: 2, modelInput: modelInput() });
    expect(raw.camScale).toBe(1);
    // right upper (4), right middle (2, equal), every left cell (3, 3, 8); right lower (1) is not.
    expect(raw.lesionPixels.total).toBe(14);
    expect(raw.features['right.meanCam']).toBeCloseTo((4 * 4 + 4 * 2 + 4 * 1) / 12, 12);
  });

  it('gives zeros, no peak and empty masks when no cell is lung', () => {
    const c = classification();
    const none = lesionGrid({ lungs: { ...(c.lungs as NonNullable<Classification['lungs']>), data: new Float32Array(36).fill(0.2) }, lungThreshold: 0.5, cam: { width: 3, height: 3, data: c.cam.maps.covid19 as Float32Array }, normalise: 'maxInLungs', lesionThreshold: 0.5, modelInput: modelInput() });
    expect(Object.values(none.features).every((v) => v === 0)).toBe(true);
    expect(none.peak).toBeNull();
    expect(none.lesionMask.every((v) => v === 0)).toBe(true);
  });

  it('refuses grids that are not whole multiples of each other', () => {
    const c = classification();
    expect(() => lesionGrid({ lungs: c.lungs as NonNullable<Classification['lungs']>, lungThreshold: 0.5, cam: { width: 4, height: 4, data: new Float32Array(16) }, normalise: 'none', lesionThreshold: 0.5, modelInput: modelInput() })).toThrow(RangeError);
    expect(() => lesionGrid({ lungs: c.lungs as NonNullable<Classification['lungs']>, lungThreshold: 0.5, cam: { width: 3, height: 3, data: new Float32Array(9) }, normalise: 'none', lesionThreshold: 0.5, modelInput: new Uint8Array(100) })).toThrow(RangeError);
  });
});

describe('lesionFindings', () => {
  // 600 rows of 0.2 mm and 300 columns of 0.4 mm: one grid cell is (600·0.2/6) × (300·0.4/6) = 20 × 20 = 400 mm².
  const spacing = { rows: 600, columns: 300, rowSpacingMm: 0.2, columnSpacingMm: 0.4 };

  it('gives areas per lung and zone, in mm² only with a spacing', () => {
    const found = lesionFindings(classification(), modelInput(), model, spacing, card);
    expect(found?.total.areaFraction).toBeCloseTo(1 / 3, 12);
    expect(found?.total.areaMm2).toBeCloseTo(6 * 400, 9);
    expect(found?.lungs.right).toEqual({ areaFraction: 4 / 12, areaMm2: expect.closeTo(1600, 9) });
    expect(found?.lungs.left.areaMm2).toBeCloseTo(800, 9);
    expect(found?.zones.rightUpper.areaMm2).toBeCloseTo(1600, 9);
    expect(found?.zones.rightMiddle.areaMm2).toBe(0);
    const picture = lesionFindings(classification(), modelInput(), model, null, card);
    expect([picture?.total.areaMm2, picture?.lungs.right.areaMm2, picture?.zones.leftLower.areaMm2]).toEqual([null, null, null]);
    expect(picture?.total.areaFraction).toBe(found?.total.areaFraction);
  });

  it('applies the regressions with their clip: Brixia per zone by measure, summed; extent, opacity, clinical by feature', () => {
    const found = lesionFindings(classification(), modelInput(), model, null, card);
    // zone = clip(0.5 + 2·lesionFraction + meanCam, [0, 3])
    expect(found?.zones.rightUpper.brixia).toBe(3); // 0.5 + 2 + 0.5 = 3.0, on the bound
    expect(found?.zones.rightMiddle.brixia).toBeCloseTo(0.75, 12);
    expect(found?.zones.rightLower.brixia).toBeCloseTo(0.625, 12);
    expect(found?.zones.leftUpper.brixia).toBeCloseTo(0.875, 12);
    expect(found?.zones.leftMiddle.brixia).toBeCloseTo(0.875, 12);
    expect(found?.zones.leftLower.brixia).toBe(3); // 0.5 + 2 + 1 = 3.5, clipped
    expect(found?.severity.brixiaGlobal).toBeCloseTo(3 + 0.75 + 0.625 + 0.875 + 0.875 + 3, 12);
    expect(found?.severity.extent).toBe(8); // -1 + 30/3 = 9, clipped to 8
    expect(found?.severity.opacity).toBeCloseTo(1 + (25.5 * 15) / 255, 12); // 2.5
    expect(found?.clinical).toEqual([
      { id: 'crp', display: 'C-reactive protein', unit: 'mg/L', value: expect.closeTo(15, 12), modelId: 'cxr-v2/lesions/crp' },
      { id: 'ldh', display: 'Lactate dehydrogenase', unit: 'U/L', value: null, modelId: 'cxr-v2/lesions/ldh' },
      { id: 'lymphocytes', display: 'Lymphocytes', unit: '10*9/L', value: 0, modelId: 'cxr-v2/lesions/lymphocytes' },
    ]);
    expect(found?.supervision).toBe('synthetic');
  });

  it('puts the peak at the cell centre as a fraction of the image', () => {
    expect(lesionFindings(classification(), modelInput(), model, null, card)?.peak).toEqual({ x: 4.5 / 6, y: 2.5 / 6 });
    // Nothing above 0 in the lungs: no peak to point at.
    expect(lesionFindings(classification([[0, 5, 0], [0, 5, 0], [0, 5, 0]]), modelInput(), model, null, card)?.peak).toBeNull();
  });

  it('without lesions.json: measurements with the card class and the default rule, severity null, no clinical', () => {
    const found = lesionFindings(classification(), modelInput(), undefined, spacing, card);
    expect(found?.total.areaFraction).toBeCloseTo(1 / 3, 12);
    expect(found?.severity).toEqual({ extent: null, opacity: null, brixiaGlobal: null });
    expect(Object.values(found?.zones ?? {}).map((z) => z.brixia)).toEqual([null, null, null, null, null, null]);
    expect(found?.clinical).toEqual([]);
    expect(found?.supervision).toMatch(/covid19.*no lesion masks.*no severity or clinical model/);
    expect(found?.lesionMask).toEqual({ width: 6, height: 6, data: expect.any(Uint8Array) });
  });

  it('severity models are optional one by one; the lesion map may read another class', () => {
    const { brixiaZone: _b, extent: _e, ...partial } = model;
    const found = lesionFindings(classification(), modelInput(), { ...partial, lesionMap: { className: 'other', normalise: 'maxInLungs', threshold: 1 } }, null, card);
    expect(found?.severity.brixiaGlobal).toBeNull();
    expect(found?.severity.extent).toBeNull();
    expect(found?.severity.opacity).toBeCloseTo(2.5, 12);
    // "other" is 7 everywhere: normalised 1 in every lung cell.
    expect(found?.total.areaFraction).toBe(1);
  });

  it('is undefined for a classification without a lung map (v1, CT)', () => {
    const { cam } = classification();
    expect(lesionFindings({ cam }, modelInput(), model, null, card)).toBeUndefined();
  });
});
