import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { NaturalizedDataset } from '../read/attr';
import type { DicomInstance } from '../read/DicomInstance';
import { readPart10 } from '../read/readPart10';
import { sharedDicomDir } from '../read/__tests__/sampleFiles';
import { renderFrame, type RenderOptions } from './renderFrame';
import { renderReference } from './__tests__/renderReference';

/**
 * renderFrame's lookup-table path (renderByTable) against the per-pixel passes it replaced (renderReference), on
 * every real file of samples/ and ../shared/data/dicom: the same bytes, modality values, VOI and Modality LUT,
 * also with the window taken away (percentile window, both its histogram and its sampling branch) and with each VOI
 * function. The model's pre-processing is pinned to the training card, so "the same" means bit for bit.
 */
jest.setTimeout(120_000);

const REPO = path.resolve(__dirname, '../../../..');
const dicomFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? dicomFiles(path.join(dir, e.name)) : e.name.endsWith('.dcm') ? [path.join(dir, e.name)] : []));
const sharedFiles = (() => {
  try {
    return dicomFiles(sharedDicomDir());
  } catch {
    return [];
  }
})();
const FILES = [...dicomFiles(path.join(REPO, 'samples')), ...sharedFiles];

const NO_WINDOW: NaturalizedDataset = { WindowCenter: undefined, WindowWidth: undefined, VOILUTFunction: undefined, VOILUTSequence: undefined };
const withDataset = (instance: DicomInstance, changes: NaturalizedDataset): DicomInstance => ({ ...instance, dataset: { ...instance.dataset, ...changes } });

async function expectSame(instance: DicomInstance, options: RenderOptions = {}): Promise<void> {
  const [fast, reference] = await Promise.all([renderFrame(instance, { ...options, keepModalityValues: true }), renderReference(instance, { ...options, keepModalityValues: true })]);
  expect(fast.voi).toEqual(reference.voi);
  expect(fast.modalityLut).toEqual(reference.modalityLut);
  expect([fast.fullResolution.width, fast.fullResolution.height]).toEqual([reference.image.width, reference.image.height]);
  // Buffer.compare: a byte-wise equality that reports quickly on 3.6 Mpx frames
  expect(Buffer.compare(Buffer.from(fast.fullResolution.data), Buffer.from(reference.image.data))).toBe(0);
  if (reference.modalityValues) {
    const a = fast.modalityValues as Float32Array;
    const b = reference.modalityValues;
    expect(Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength))).toBe(0);
  }
}

describe('renderFrame by table = the per-pixel passes, on real files', () => {
  it('finds the real files', () => {
    expect(FILES.length).toBeGreaterThanOrEqual(7);
  });

  it.each(FILES.map((f) => [path.relative(path.dirname(REPO), f), f]))('%s', async (_name, file) => {
    const instance = readPart10(new Uint8Array(readFileSync(file)));
    await expectSame(instance);
    // the CT lung window off: the data set's own window, or the percentile window
    await expectSame(instance, { ctWindow: null });
    // percentile window: integer modality values (histogram branch) and halves (sampling branch)
    await expectSame(withDataset(instance, NO_WINDOW), { ctWindow: null });
    await expectSame(withDataset(instance, { ...NO_WINDOW, RescaleSlope: 0.5, RescaleIntercept: -3 }), { ctWindow: null });
    // a decreasing rescale: the bins are no longer in order of value
    await expectSame(withDataset(instance, { ...NO_WINDOW, RescaleSlope: -2, RescaleIntercept: 7 }), { ctWindow: null, percentiles: [2, 98] });
    for (const fn of ['LINEAR', 'LINEAR_EXACT', 'SIGMOID'] as const) await expectSame(instance, { window: { center: 301.5, width: 700, function: fn } });
  });
});
