import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import dcmjs from 'dcmjs';
import { CT_LESION_SUPERVISION, readPart10, renderFrame } from '@lungflow/dicom';
import { ctSliceGeometry, segmentCtLungs } from '@lungflow/inference';
import { ctLungsAtSource } from '@lungflow/results';
import sharp from 'sharp';
import { run } from '../main';
import type { AnalysisResult } from './AnalysisResult';

// `lungflow analyze --json` on CT: each CT series gains `lungs` (classical HU segmentation, volume in mL), `lesions`
// (the CAM-based estimate, labelled as such) and the per-slice list. A series of three slices is made from one real
// TCIA slice moved to three positions 2.5 mm apart (thickness 1.25 mm), so the volume is 3 × its area × 2.5 mm.
jest.setTimeout(240_000);

const DATA = process.env.LUNGFLOW_SHARED_DIR ? path.resolve(process.env.LUNGFLOW_SHARED_DIR, 'data') : path.resolve(__dirname, '../../../../shared/data');
const SLICE = path.join(DATA, 'dicom/tcia_covid19_ny_sbu/A098752/axial/19010127-128.dcm');
const CT_SMALL = path.join(DATA, 'dicom/pydicom_debian_pkg/CT_small.dcm');
const CT_MODEL = path.resolve(__dirname, '../../../models/ct-v1');

type Ok = Extract<AnalysisResult, { ok: true }>;

async function analyze(files: string[], extra: string[] = []): Promise<Ok[]> {
  let stdout = '';
  const sink = (append: (s: string) => void) => new Writable({ write: (chunk, _e, cb) => { append(String(chunk)); cb(); } });
  const code = await run(['node', 'lungflow', 'analyze', '--json', '--model-ct', CT_MODEL, ...extra, ...files], { stdout: sink((s) => (stdout += s)), stderr: sink(() => undefined) });
  expect(code).toBe(0);
  return stdout.trim().split('\n').map((line) => JSON.parse(line) as Ok);
}

/** The slice at Image Position z + dz, with its own SOP Instance UID, in the same series (a Part-10 copy). */
function movedCopy(bytes: Buffer, dz: number, index: number): Buffer {
  const { DicomMessage, DicomMetaDictionary, DicomDict } = dcmjs.data;
  const file = DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const dataset = DicomMetaDictionary.naturalizeDataset(file.dict);
  const meta = DicomMetaDictionary.naturalizeDataset(file.meta);
  const [x, y, z] = (dataset.ImagePositionPatient as number[]).map(Number) as [number, number, number];
  dataset.ImagePositionPatient = [x, y, z + dz];
  dataset.SOPInstanceUID = `${String(dataset.SOPInstanceUID)}.${index}`;
  meta.MediaStorageSOPInstanceUID = dataset.SOPInstanceUID;
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = DicomMetaDictionary.denaturalizeDataset(dataset);
  return Buffer.from(dict.write() as ArrayBuffer);
}

async function sliceLungs(file: string) {
  const instance = readPart10(new Uint8Array(readFileSync(file)));
  const geometry = ctSliceGeometry(instance.dataset);
  const { modalityValues, fullResolution } = await renderFrame(instance, { keepModalityValues: true });
  const seg = segmentCtLungs(modalityValues as Float32Array, fullResolution.width, fullResolution.height, { pixelAreaMm2: (geometry.rowSpacingMm as number) * (geometry.columnSpacingMm as number) });
  return { geometry, seg, sopInstanceUid: instance.sopInstanceUid, z: geometry.positionMm as number };
}

describe('lungflow analyze --json on CT series', () => {
  it('a three-slice series: lungs per slice as the library segments them, volume from the 2.5 mm position spacing, the CAM estimate labelled', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lungflow-ct-series-'));
    const source = readFileSync(SLICE);
    // Written out of order: the list comes back sorted by position.
    const files = [5, 0, 2.5].map((dz, i) => {
      const file = path.join(dir, `slice${i}.dcm`);
      writeFileSync(file, movedCopy(source, dz, i + 1));
      return file;
    });
    const [line] = (await analyze([dir])) as [Ok];
    const direct = await sliceLungs(files[1] as string);
    const areaMm2 = direct.seg.lungPixels * 0.859375 ** 2;
    expect(line.task).toBe('ct');
    expect(line.series).toHaveLength(1);
    const series = line.series?.[0];
    if (!series?.lungs) throw new Error('no lungs in the series result');
    expect(series.seriesInstanceUid).toBe('1.3.6.1.4.1.14519.5.2.1.99.1071.13886735547228694008591713658316');
    expect(series.lungs).toMatchObject({ sliceSpacingFrom: 'positions', slices: 3, slicesWithLungs: 3 });
    expect(series.lungs.sliceSpacingMm).toBeCloseTo(2.5, 6);
    expect(series.lungs.volumeMl).toBeCloseTo((3 * areaMm2 * 2.5) / 1000, 6);
    expect(series.slices.map((s) => (s.positionMm as number) - direct.z)).toEqual([0, 2.5, 5].map((v) => expect.closeTo(v, 6)));
    for (const slice of series.slices) {
      expect(slice.lungs.pixels).toBe(direct.seg.lungPixels);
      expect(slice.lungs.areaMm2).toBeCloseTo(areaMm2, 6);
      expect(slice.sliceThicknessMm).toBe(1.25);
      expect(slice.lesions.pixels).toBeLessThanOrEqual(slice.lungs.pixels);
      expect(slice).not.toHaveProperty('lungMask');
      expect(slice).not.toHaveProperty('lesionMask');
    }
    expect(series.lesions.supervision).toBe(CT_LESION_SUPERVISION);
    expect(series.lesions).toMatchObject({ className: 'covid19', relativeThreshold: 0.5 });
    // The three copies have the same pixels, so the series fraction is each slice's.
    expect(series.lesions.volumeFraction).toBeCloseTo((series.slices[0]?.lesions.fraction as number), 9);
    expect(series.lesions.volumeMl).toBeCloseTo(series.lesions.volumeFraction * (series.lungs.volumeMl as number), 9);
  });

  it('CT_small (one slice, no position neighbours): the volume from its 5 mm Slice Thickness', async () => {
    const [line] = (await analyze([CT_SMALL])) as [Ok];
    const direct = await sliceLungs(CT_SMALL);
    const series = line.series?.[0];
    if (!series?.lungs) throw new Error('no lungs in the series result');
    expect(series.lungs).toMatchObject({ sliceSpacingMm: 5, sliceSpacingFrom: 'SliceThickness', slices: 1 });
    expect(series.slices[0]?.lungs.pixels).toBe(direct.seg.lungPixels);
    expect(series.lungs.volumeMl).toBeCloseTo((direct.seg.lungPixels * 0.661468 ** 2 * 5) / 1000, 6);
    expect(series.slices[0]?.sopInstanceUid).toBe(direct.sopInstanceUid);
  });

  it('--out: the heatmap PNG and SC of a CT slice in HU are coloured only inside its lungs', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'lungflow-ct-heatmap-'));
    const [line] = (await analyze([SLICE], ['--out', out])) as [Ok];
    const { seg } = await sliceLungs(SLICE);
    const lungs = ctLungsAtSource(seg);
    const png = await sharp(line.outputs.heatmap as string).raw().toBuffer({ resolveWithObject: true });
    expect([png.info.width, png.info.height]).toEqual([lungs.width, lungs.height]);
    let colouredInside = 0;
    for (let p = 0; p < lungs.width * lungs.height; p += 1) {
      const [r, g, b] = [0, 1, 2].map((c) => png.data[p * png.info.channels + c]);
      const grey = r === g && g === b;
      if (!lungs.data[p] && !grey) throw new Error(`pixel ${p % lungs.width},${Math.floor(p / lungs.width)} outside the lungs is coloured`);
      if (lungs.data[p] && !grey) colouredInside += 1;
    }
    expect(colouredInside).toBeGreaterThan(0);
    // The SC is drawn with the same mask: below its legend, everything outside the lungs is grey too.
    const sc = readPart10(new Uint8Array(readFileSync(line.outputs.sc as string)));
    if (!sc.pixelData || sc.pixelData.encapsulated) throw new Error('the SC should hold native RGB pixels');
    const rgb = sc.pixelData.buffers[0] as Uint8Array;
    let colouredOutside = 0;
    for (let p = Math.ceil(lungs.height / 3) * lungs.width; p < lungs.width * lungs.height; p += 1) {
      if (!lungs.data[p] && !(rgb[3 * p] === rgb[3 * p + 1] && rgb[3 * p + 1] === rgb[3 * p + 2])) colouredOutside += 1;
    }
    expect(colouredOutside).toBe(0);
  });
});
