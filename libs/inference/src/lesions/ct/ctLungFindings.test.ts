import { CT_LESION_SUPERVISION, type CtSliceLungFindings } from '@lungflow/dicom';
import { ctSliceGeometry, segmentCtLungs } from '@lungflow/results';
import { ctLungFindings, ctSliceLungFindings } from './ctLungFindings';
import { countPixels, inside, phantom, type Ellipse } from '../../../../results/src/ct/ctPhantom.testHelper';

const W = 200;
const H = 200;
const body: Ellipse = { cx: 100, cy: 100, a: 90, b: 70 };
const rightLung: Ellipse = { cx: 60, cy: 100, a: 25, b: 40 };
const leftLung: Ellipse = { cx: 140, cy: 100, a: 30, b: 40 };
const blob: Ellipse = { cx: 60, cy: 100, a: 8, b: 8 };
const slice = phantom(W, H, -1000, [
  { shape: body, hu: 40 },
  { shape: rightLung, hu: -850 },
  { shape: leftLung, hu: -850 },
  { shape: blob, hu: -300 },
]);
const rightPixels = countPixels(W, H, (x, y) => inside(rightLung, x, y));
const leftPixels = countPixels(W, H, (x, y) => inside(leftLung, x, y));
const rule = { className: 'covid19', relativeThreshold: 0.5 };
const spaced = { rowSpacingMm: 0.8, columnSpacingMm: 0.8, sliceThicknessMm: 2, positionMm: 0 };

/** An 8 × 8 CAM whose columns 0–3 are `left` and 4–7 `right` (image left / right). */
function halves(left: number, right: number): { width: number; height: number; data: Float32Array } {
  const data = new Float32Array(64);
  for (let i = 0; i < 64; i += 1) data[i] = i % 8 < 4 ? left : right;
  return { width: 8, height: 8, data };
}

function sliceAt(positionMm: number | null, geometry: Partial<typeof spaced> = {}, cam = halves(1, 0)): CtSliceLungFindings {
  const g = { ...spaced, ...geometry, positionMm };
  const segmentation = segmentCtLungs(slice, W, H, { pixelAreaMm2: g.rowSpacingMm !== null && g.columnSpacingMm !== null ? g.rowSpacingMm * g.columnSpacingMm : null });
  return ctSliceLungFindings({ segmentation, geometry: g, cam, rule, sopInstanceUid: '1.2.3', frame: 1 });
}

describe('ctSliceLungFindings', () => {
  it('marks the lung cells where the upsampled CAM is >= half its in-lung maximum: here the image-left lung, blob included', () => {
    // Bilinear between CAM cell centres: value 1 up to u = 3, 0 from u = 4; u = (x + 0.5)·8/200 - 0.5 >= 0.5 ⇔ x < 100,
    // so exactly the cells left of the midline (the right lung, x 35..85) and none of the left lung (x 110..170).
    const s = sliceAt(0);
    expect(s.lungs.pixels).toBe(rightPixels + leftPixels);
    expect(s.lungs.areaMm2).toBeCloseTo((rightPixels + leftPixels) * 0.64, 6);
    expect(s.lungs.areaFraction).toBeCloseTo((rightPixels + leftPixels) / (W * H), 12);
    expect(s.lungs.components).toBe(2);
    expect(s.lesions.pixels).toBe(rightPixels);
    expect(s.lesions.fraction).toBeCloseTo(rightPixels / (rightPixels + leftPixels), 12);
    // ≈ 25 / 55 of the two ellipses' areas.
    expect(s.lesions.fraction).toBeCloseTo(25 / 55, 2);
    expect(s.lesions.areaMm2).toBeCloseTo(rightPixels * 0.64, 6);
    expect(s.lesionMask.data.reduce((n, v) => n + v, 0)).toBe(rightPixels);
    expect(s.gridFactor).toBe(1);
    expect([s.sopInstanceUid, s.frame, s.positionMm, s.sliceThicknessMm]).toEqual(['1.2.3', 1, 0, 2]);
  });

  it('is relative to the in-lung maximum (a scaled CAM gives the same cells), none when the CAM is nowhere above 0 or absent', () => {
    expect(sliceAt(0, {}, halves(7, 0.5)).lesions.pixels).toBe(rightPixels);
    // Left half 1, right half 3: only the image-right lung reaches 1.5 (u >= 3.25 ⇔ x >= 96.875, the left lung).
    expect(sliceAt(0, {}, halves(1, 3)).lesions.pixels).toBe(leftPixels);
    const flat = sliceAt(0, {}, halves(-1, 0));
    expect([flat.lesions.pixels, flat.lesions.fraction]).toEqual([0, 0]);
    const segmentation = segmentCtLungs(slice, W, H, { pixelAreaMm2: 0.64 });
    expect(ctSliceLungFindings({ segmentation, geometry: spaced, cam: undefined, rule, sopInstanceUid: null, frame: 1 }).lesions.pixels).toBe(0);
  });

  it('gives areas in mm² only with Pixel Spacing', () => {
    const s = sliceAt(0, { rowSpacingMm: null as unknown as number, columnSpacingMm: null as unknown as number });
    expect([s.lungs.areaMm2, s.lesions.areaMm2]).toEqual([null, null]);
    expect(s.lungs.pixels).toBe(rightPixels + leftPixels);
  });
});

describe('ctLungFindings (a series)', () => {
  const sliceMm2 = (rightPixels + leftPixels) * 0.64;

  it('lung volume = Σ area × the median gap between slice positions; CAM share of it by mm²; slices ordered by position', () => {
    const series = ctLungFindings([sliceAt(10), sliceAt(0), sliceAt(5)], rule);
    expect(series.lungs.sliceSpacingFrom).toBe('positions');
    expect(series.lungs.sliceSpacingMm).toBeCloseTo(5, 12);
    // 3 slices × area mm² × 5 mm / 1000 mm³ per mL.
    expect(series.lungs.volumeMl).toBeCloseTo((3 * sliceMm2 * 5) / 1000, 9);
    expect([series.lungs.slices, series.lungs.slicesWithLungs]).toEqual([3, 3]);
    expect(series.slices.map((s) => s.positionMm)).toEqual([0, 5, 10]);
    expect(series.lesions.volumeFraction).toBeCloseTo(rightPixels / (rightPixels + leftPixels), 12);
    expect(series.lesions.volumeMl).toBeCloseTo(((3 * rightPixels * 0.64) * 5) / 1000, 9);
    expect(series.lesions).toMatchObject({ supervision: CT_LESION_SUPERVISION, className: 'covid19', relativeThreshold: 0.5 });
    expect(series.lungs.method).toMatch(/Classical/);
  });

  it('falls back to Slice Thickness for one slice or slices without positions, and says null without either or without spacing', () => {
    const one = ctLungFindings([sliceAt(0)], rule);
    expect([one.lungs.sliceSpacingMm, one.lungs.sliceSpacingFrom]).toEqual([2, 'SliceThickness']);
    expect(one.lungs.volumeMl).toBeCloseTo((sliceMm2 * 2) / 1000, 9);
    const unplaced = ctLungFindings([sliceAt(null), sliceAt(null)], rule);
    expect(unplaced.lungs.sliceSpacingFrom).toBe('SliceThickness');
    const bare = ctLungFindings([sliceAt(null, { sliceThicknessMm: null as unknown as number })], rule);
    expect([bare.lungs.volumeMl, bare.lungs.sliceSpacingMm, bare.lungs.sliceSpacingFrom, bare.lesions.volumeMl]).toEqual([null, null, null, null]);
    // Without Pixel Spacing: no volume, but the involved share still comes from the pixel counts.
    const noSpacing = ctLungFindings([sliceAt(0, { rowSpacingMm: null as unknown as number, columnSpacingMm: null as unknown as number })], rule);
    expect(noSpacing.lungs.volumeMl).toBeNull();
    expect(noSpacing.lesions.volumeFraction).toBeCloseTo(rightPixels / (rightPixels + leftPixels), 12);
    const empty = ctLungFindings([], rule);
    expect([empty.lungs.volumeMl, empty.lungs.slices, empty.lesions.volumeFraction]).toEqual([null, 0, 0]);
  });
});

describe('ctSliceGeometry', () => {
  it('reads a classic CT: HU by default, Pixel Spacing, Slice Thickness, position along the normal', () => {
    const g = ctSliceGeometry({ Modality: 'CT', Rows: 512, Columns: 400, PixelSpacing: [0.7, 0.8], SliceThickness: '5', ImageOrientationPatient: [1, 0, 0, 0, 1, 0], ImagePositionPatient: [-100, -150, -42.5] });
    expect(g).toEqual({ hounsfield: true, rows: 512, columns: 400, rowSpacingMm: 0.7, columnSpacingMm: 0.8, sliceThicknessMm: 5, positionMm: -42.5 });
    // A coronal reformat: row x × column -z = +y, so the position is the y coordinate.
    expect(ctSliceGeometry({ Modality: 'CT', ImageOrientationPatient: [1, 0, 0, 0, 0, -1], ImagePositionPatient: [-208, 5.893, 54.5] }).positionMm).toBeCloseTo(5.893, 9);
  });

  it('is not HU for a wrapped picture (Rescale Type US) or an enhanced perfusion map, and reads per-frame functional groups', () => {
    expect(ctSliceGeometry({ Modality: 'CT', RescaleType: 'US', PixelSpacing: [1, 1] }).hounsfield).toBe(false);
    expect(ctSliceGeometry({ Modality: 'MR' }).hounsfield).toBe(false);
    const enhanced = {
      Modality: 'CT',
      SharedFunctionalGroupsSequence: [{ PixelMeasuresSequence: [{ PixelSpacing: [0.39, 0.39], SliceThickness: 10 }], PlaneOrientationSequence: [{ ImageOrientationPatient: [-1, 0, 0, 0, 1, 0] }], PixelValueTransformationSequence: [{ RescaleType: 'HU' }] }],
      PerFrameFunctionalGroupsSequence: [{ PlanePositionSequence: [{ ImagePositionPatient: [0, 0, -159] }] }, { PlanePositionSequence: [{ ImagePositionPatient: [0, 0, -149] }], PixelValueTransformationSequence: [{ RescaleType: 'US' }] }],
    };
    // Row -x × column y = -z: the position along the normal is +159 for z = -159.
    expect(ctSliceGeometry(enhanced, 0)).toMatchObject({ hounsfield: true, rowSpacingMm: 0.39, sliceThicknessMm: 10, positionMm: 159 });
    expect(ctSliceGeometry(enhanced, 1)).toMatchObject({ hounsfield: false, positionMm: 149 });
    expect(ctSliceGeometry({ Modality: 'CT', ModalityLUTSequence: [{ ModalityLUTType: 'HU' }] }).hounsfield).toBe(true);
    expect(ctSliceGeometry({ Modality: 'CT', PixelSpacing: [0, 1] })).toMatchObject({ rowSpacingMm: null, columnSpacingMm: null, positionMm: null });
  });
});
