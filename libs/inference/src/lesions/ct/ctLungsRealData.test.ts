import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readPart10, renderFrame } from '@lungflow/dicom';
import { sharedDataDir } from '../../sharedData.testHelper';
import { ModelRunner } from '../../analyze/ModelRunner';
import { analyzeInstance } from '../../analyze/analyzeInstance';
import { ctSliceGeometry, segmentCtLungs } from '@lungflow/results';
import { ctLungFindings } from './ctLungFindings';
import { aggregateClassifications } from '../../aggregate/aggregateClassifications';

// The classical lung segmentation on the real CT slices of ../shared/data: no reference masks exist for them, so
// these check plausibility (lungs found where a chest slice shows them, inside the image, none on a brain map), not
// accuracy.
jest.setTimeout(120_000);

const DICOM = path.join(sharedDataDir(), 'dicom');
const instanceOf = (file: string) => readPart10(new Uint8Array(readFileSync(path.join(DICOM, file))));

async function lungsOf(file: string, frame = 0) {
  const instance = instanceOf(file);
  const geometry = ctSliceGeometry(instance.dataset, frame);
  const rendered = await renderFrame(instance, { frame, keepModalityValues: true });
  const { width, height } = rendered.fullResolution;
  const values = rendered.modalityValues as Float32Array;
  const pixelAreaMm2 = geometry.rowSpacingMm !== null && geometry.columnSpacingMm !== null ? geometry.rowSpacingMm * geometry.columnSpacingMm : null;
  return { geometry, width, height, values, segmentation: segmentCtLungs(values, width, height, { pixelAreaMm2 }), pixelAreaMm2 };
}

// The axial chest slices of COVID-19-NY-SBU (TCIA): 512 × 512, lung window visible lungs on every one.
const AXIAL_CHEST = ['A048383/axial/19001231-30.dcm', 'A048383/axial/19010410-30.dcm', 'A098752/axial/19001231-32.dcm', 'A098752/axial/19010127-128.dcm'].map((f) => `tcia_covid19_ny_sbu/${f}`);

describe('CT lungs on real slices', () => {
  it.each(AXIAL_CHEST)('%s: two or more lung regions, 5–60 %% of the slice, 40–400 cm², all inside the body', async (file) => {
    const { geometry, width, height, values, segmentation: seg, pixelAreaMm2 } = await lungsOf(file);
    expect(geometry.hounsfield).toBe(true);
    expect([seg.factor, seg.width, seg.height]).toEqual([2, 256, 256]);
    expect(seg.components).toBeGreaterThanOrEqual(2);
    const fraction = seg.lungPixels / (width * height);
    expect(fraction).toBeGreaterThan(0.05);
    expect(fraction).toBeLessThan(0.6);
    const areaCm2 = (seg.lungPixels * (pixelAreaMm2 as number)) / 100;
    expect(areaCm2).toBeGreaterThan(40);
    expect(areaCm2).toBeLessThan(400);
    // No lung cell on the image edge (these fields of view hold the whole chest), and the mean HU under the lung
    // cells is that of aerated lung, not of air or soft tissue.
    let edge = 0;
    let sum = 0;
    let count = 0;
    for (let y = 0; y < seg.height; y += 1) {
      for (let x = 0; x < seg.width; x += 1) {
        if (!seg.lungMask[y * seg.width + x]) continue;
        if (x === 0 || y === 0 || x === seg.width - 1 || y === seg.height - 1) edge += 1;
        for (let dy = 0; dy < seg.factor; dy += 1) for (let dx = 0; dx < seg.factor; dx += 1) { sum += values[(y * seg.factor + dy) * width + x * seg.factor + dx] as number; count += 1; }
      }
    }
    expect(edge).toBe(0);
    expect(sum / count).toBeGreaterThan(-950);
    expect(sum / count).toBeLessThan(-450);
  });

  it("CT_small (128 × 128 around the spine, lungs cut by the field of view): both lungs kept, at the image's own grid", async () => {
    const { geometry, width, height, segmentation: seg } = await lungsOf('pydicom_debian_pkg/CT_small.dcm');
    expect(geometry).toMatchObject({ hounsfield: true, rowSpacingMm: 0.661468, sliceThicknessMm: 5 });
    expect([seg.factor, seg.width, seg.height]).toEqual([1, 128, 128]);
    expect(seg.components).toBe(2);
    expect(seg.lungPixels / (width * height)).toBeGreaterThan(0.15);
    expect(seg.lungPixels / (width * height)).toBeLessThan(0.5);
  });

  it('eCT_Supplemental (an enhanced CT of brain perfusion, Rescale Type US): not HU, and no lungs in its values either', async () => {
    for (const frame of [0, 1]) {
      const { geometry, width, height, segmentation: seg } = await lungsOf('pydicom_data/eCT_Supplemental.dcm', frame);
      expect(geometry).toMatchObject({ hounsfield: false, rowSpacingMm: 0.388672, sliceThicknessMm: 10 });
      expect([width, height]).toEqual([512, 512]);
      expect([seg.components, seg.lungPixels]).toEqual([0, 0]);
    }
  });

  it('693_J2KR (an axial head CT in HU, JPEG 2000): no lungs (no air region inside the head passes the rules)', async () => {
    const { geometry, segmentation: seg } = await lungsOf('pydicom_data/693_J2KR.dcm');
    expect(geometry.hounsfield).toBe(true);
    expect([seg.components, seg.lungPixels]).toEqual([0, 0]);
  });

  it('analyzeInstance with ct-v1 and ctLungs: per-slice findings with a CAM-based estimate inside the lungs; none without the option', async () => {
    const runner = await ModelRunner.load(path.resolve(__dirname, '../../../../../models/ct-v1'), { intraOpThreads: 1 });
    try {
      const file = AXIAL_CHEST[3] as string;
      const instance = instanceOf(file);
      const [result] = await analyzeInstance(instance, runner, { ctLungs: true });
      const slice = result?.ctLungs;
      expect(slice).toBeDefined();
      if (!slice) return;
      const direct = (await lungsOf(file)).segmentation;
      expect(slice.lungs.pixels).toBe(direct.lungPixels);
      expect(slice.sopInstanceUid).toBe(instance.sopInstanceUid);
      expect(slice.lesions.pixels).toBeGreaterThan(0);
      expect(slice.lesions.pixels).toBeLessThanOrEqual(slice.lungs.pixels);
      expect(slice.lesions.areaMm2).toBeCloseTo(slice.lesions.pixels * 0.859375 ** 2, 6);
      // Every lesion cell is a lung cell.
      expect(slice.lesionMask.data.every((v, i) => !v || slice.lungMask.data[i] === 1)).toBe(true);
      const series = ctLungFindings([slice], { className: 'covid19', relativeThreshold: 0.5 });
      expect(series.lungs.sliceSpacingFrom).toBe('SliceThickness');
      expect(series.lungs.volumeMl).toBeCloseTo(((slice.lungs.areaMm2 as number) * 1.25) / 1000, 9);
      const [plain] = await analyzeInstance(instance, runner);
      expect(plain?.ctLungs).toBeUndefined();
      const [brain] = await analyzeInstance(instanceOf('pydicom_data/eCT_Supplemental.dcm'), runner, { ctLungs: true });
      expect(brain?.ctLungs).toBeUndefined();
    } finally {
      await runner.close();
    }
  });

  it('analyzeInstance with ct-v1 and ctLungs: a slice without lungs (the head CT) is no-lungs and left out of the top-k rule; a chest slice keeps its decision', async () => {
    const runner = await ModelRunner.load(path.resolve(__dirname, '../../../../../models/ct-v1'), { intraOpThreads: 1 });
    try {
      const [head] = await analyzeInstance(instanceOf('pydicom_data/693_J2KR.dcm'), runner, { ctLungs: true });
      const [headPlain] = await analyzeInstance(instanceOf('pydicom_data/693_J2KR.dcm'), runner);
      const [chest] = await analyzeInstance(instanceOf(AXIAL_CHEST[0] as string), runner, { ctLungs: true });
      const [chestPlain] = await analyzeInstance(instanceOf(AXIAL_CHEST[0] as string), runner);
      if (!head || !headPlain || !chest || !chestPlain) throw new Error('no result');
      expect(head.ctLungs?.lungs.pixels).toBe(0);
      expect(head.classification.decision).toMatchObject({ status: 'indeterminate', reason: 'no-lungs', positive: false });
      // The probability the reader sees is the model's, unchanged; only the call is withheld.
      expect(head.classification.probabilities).toEqual(headPlain.classification.probabilities);
      expect(chest.classification.decision).toEqual(chestPlain.classification.decision);
      const alone = aggregateClassifications([head.classification], { method: 'mean-top-k', k: 3 });
      expect(alone.decision).toMatchObject({ status: 'indeterminate', reason: 'no-lungs' });
      // With the chest slice beside it, the series is the chest slice's own verdict, whatever the head slice scored.
      const both = aggregateClassifications([head.classification, chest.classification], { method: 'mean-top-k', k: 3 });
      expect(both.probabilities).toEqual(aggregateClassifications([chest.classification], { method: 'mean-top-k', k: 3 }).probabilities);
      expect(both.decision).toEqual(chestPlain.classification.decision);
    } finally {
      await runner.close();
    }
  });
});
