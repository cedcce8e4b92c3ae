import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { readPart10, renderFrame } from '@lungflow/dicom';
import { decodePicture, lesionFindings, lesionMaskAt, ModelRunner, toModelInput, type Classification } from '@lungflow/inference';
import { releaseDirs } from '../../../test/helpers/releases';
import { run } from '../main';
import type { AnalysisResult } from './AnalysisResult';

// `lungflow analyze --json --out` with each CXR release on a picture, a real radiograph with Pixel Spacing and a
// picture wrapped as DICOM: a release that segments reports `lesions` (mm² only for the radiograph) and writes
// <stem>.lesions.png at the input's size inside its lung mask; a release that does not (v1) reports neither.
jest.setTimeout(240_000);

const DATA = process.env.LUNGFLOW_SHARED_DIR ? path.resolve(process.env.LUNGFLOW_SHARED_DIR, 'data') : path.resolve(__dirname, '../../../../shared/data');
const PICTURE = path.join(DATA, 'cxr/ieee8023/images/000001-12.jpg');
// RSNA/NIH radiograph: 1024 × 1024, Pixel Spacing 0.168 mm.
const RADIOGRAPH = path.join(DATA, 'dicom/torchxrayvision/1.2.276.0.7230010.3.1.4.8323329.6904.1517875201.850819.dcm');
// A Hannover JPEG wrapped as CR by samples/make-samples.ts: its Imager Pixel Spacing is the wrapper's nominal one.
const WRAPPED = path.resolve(__dirname, '../../../samples/LF-DEMO-0001.dcm');

type Ok = Extract<AnalysisResult, { ok: true }>;

async function analyze(release: string, out: string, files: string[]): Promise<Ok[]> {
  let stdout = '';
  const sink = (append: (s: string) => void) => new Writable({ write: (chunk, _e, cb) => { append(String(chunk)); cb(); } });
  const code = await run(['node', 'lungflow', 'analyze', '--json', '--model-cxr', release, '--out', out, ...files], { stdout: sink((s) => (stdout += s)), stderr: sink(() => undefined) });
  expect(code).toBe(0);
  return stdout.trim().split('\n').map((line) => JSON.parse(line) as Ok);
}

const cxrReleases = releaseDirs().filter((dir) => JSON.parse(readFileSync(path.join(dir, 'card.json'), 'utf8')).task === 'cxr');

describe.each(cxrReleases.map((dir) => [path.basename(dir), dir]))('lungflow analyze lesions with %s', (_name, releaseDir) => {
  it('reports lesions per image and writes <stem>.lesions.png for a model that segments; nothing new otherwise', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'lungflow-lesions-'));
    const picture = path.join(out, 'chest.jpg');
    copyFileSync(PICTURE, picture);
    const [pictureLine, radiographLine, wrappedLine] = (await analyze(releaseDir, out, [picture, RADIOGRAPH, WRAPPED])) as [Ok, Ok, Ok];
    const runner = await ModelRunner.load(releaseDir, { intraOpThreads: 1 });
    try {
      const gray = await decodePicture(new Uint8Array(readFileSync(picture)), picture);
      const direct = await runner.classifyGray(gray);
      if (!direct.lungs) {
        for (const line of [pictureLine, radiographLine, wrappedLine]) {
          expect(line.lesions).toBeUndefined();
          expect(line.images?.[0]?.lesions).toBeUndefined();
          expect(line.outputs.lesions).toBeUndefined();
        }
        return;
      }

      // The picture: the findings ModelRunner computes, without masks; fractions only.
      const lesions = pictureLine.lesions;
      const expected = lesionFindings(direct, toModelInput(gray, runner.release.card), runner.lesionModel, null, runner.release.card);
      expect(lesions?.total.areaFraction).toBe(expected?.total.areaFraction);
      expect(lesions?.lungs.right.areaFraction).toBe(expected?.lungs.right.areaFraction);
      expect(Object.keys(lesions?.zones ?? {}).sort()).toEqual(['leftLower', 'leftMiddle', 'leftUpper', 'rightLower', 'rightMiddle', 'rightUpper']);
      expect([lesions?.total.areaMm2, lesions?.lungs.left.areaMm2, lesions?.zones.rightUpper.areaMm2]).toEqual([null, null, null]);
      expect(lesions).not.toHaveProperty('lesionMask');
      expect(typeof lesions?.supervision).toBe('string');
      if (!runner.lesionModel) {
        expect(lesions?.severity).toEqual({ extent: null, opacity: null, brixiaGlobal: null });
        expect(lesions?.clinical).toEqual([]);
      } else {
        expect(lesions?.clinical.map((c) => c.modelId)).toEqual(runner.lesionModel.clinical.map((c) => `${runner.release.card.id}/lesions/${c.id}`));
      }

      // <stem>.lesions.png: 0/255 at the picture's size, the full-size mask of the same maps, inside <stem>.lungs.png.
      const png = await decodePicture(new Uint8Array(readFileSync(pictureLine.outputs.lesions as string)), 'lesions');
      expect(path.basename(pictureLine.outputs.lesions as string)).toBe('chest.lesions.png');
      expect([png.width, png.height]).toEqual([gray.width, gray.height]);
      expect(Buffer.from(png.data).equals(Buffer.from(lesionMaskAt(direct, runner.lesionMap, gray.width, gray.height)))).toBe(true);
      const lungsPng = await decodePicture(new Uint8Array(readFileSync(pictureLine.outputs.lungs as string)), 'lungs');
      expect(png.data.every((v, i) => v === 0 || lungsPng.data[i] === 255)).toBe(true);

      // The radiograph: one grid cell is (1024 × 0.168 / 112)² mm², so area = lesion cells × that.
      const image = radiographLine.images?.[0];
      const instance = readPart10(new Uint8Array(readFileSync(RADIOGRAPH)));
      const rendered = (await renderFrame(instance, { frame: 0 })).fullResolution;
      const onGrid = await runner.classifyGray(rendered);
      const cells = Array.from((onGrid.lesions as NonNullable<Classification['lesions']>).lesionMask.data).reduce((a, b) => a + b, 0);
      expect(image?.lesions?.total.areaMm2).toBeCloseTo(cells * ((1024 * 0.168) / 112) ** 2, 6);
      const sides = (image?.lesions?.lungs.right.areaMm2 ?? NaN) + (image?.lesions?.lungs.left.areaMm2 ?? NaN);
      expect(sides).toBeCloseTo(image?.lesions?.total.areaMm2 ?? NaN, 6);
      expect(radiographLine.outputs.lesions).toHaveLength(1);

      // The wrapped picture: nominal spacing never counts.
      expect(wrappedLine.images?.[0]?.lesions?.total.areaMm2).toBeNull();
      expect(wrappedLine.images?.[0]?.lesions?.total.areaFraction).toEqual(expect.any(Number));
    } finally {
      await runner.close();
    }
  });
});
