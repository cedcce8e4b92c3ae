/**
 * Our SR and SEG as OHIF loads them: @cornerstonejs/adapters (what OHIF's SR and SEG extensions hydrate with) reads
 * the measurements with their image references and the segments. The adapters are ES modules only, so
 * __tests__/ohifLoad.mjs runs them in a plain Node process and prints what came back.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readPart10 } from '../read';
import { readSample, SAMPLE } from '../read/__tests__/sampleFiles';
import { analysisSegmentation, ANALYSIS_SEGMENTS, resampleNearest } from './analysisSegmentation';
import { analysis, lesionFindings } from './__tests__/fixtures';
import { structuredReport } from './structuredReport';

jest.setTimeout(60_000);

interface Loaded {
  imageId: string;
  sr: {
    warnings: string[];
    measurements: Array<{ toolType: string; trackingUniqueIdentifier: string; referencedImageId: string; sopInstanceUid: string; finding?: string; findingSites: string[]; imagePoints: number[][]; value: number | string | null }>;
  };
  seg: { error?: string; segments?: Array<{ number: number; label: string; algorithmType: string }>; pixelCounts?: Record<string, number>; labelmapImages?: Array<Array<{ rows: number; columns: number; referencedImageId?: string }>> };
}

function load(sourceBytes: Uint8Array, sr: Uint8Array, seg: Uint8Array): Loaded {
  const dir = mkdtempSync(path.join(tmpdir(), 'lungflow-ohif-'));
  try {
    const files = ['source.dcm', 'sr.dcm', 'seg.dcm'].map((name) => path.join(dir, name));
    [sourceBytes, sr, seg].forEach((bytes, i) => writeFileSync(files[i] as string, bytes));
    const stdout = execFileSync(process.execPath, [path.join(__dirname, '__tests__', 'ohifLoad.mjs'), ...files], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
    return JSON.parse(stdout.trim().split('\n').at(-1) as string) as Loaded;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.each([SAMPLE.crJpegBaseline, SAMPLE.ctSmall])('%s: SR and SEG through @cornerstonejs/adapters', (sample) => {
  const sourceBytes = readSample(sample);
  const source = readPart10(sourceBytes).dataset;
  const rows = source.Rows as number;
  const columns = source.Columns as number;
  const lesions = lesionFindings();
  const result = analysis(source, { lesions });
  const seg = analysisSegmentation(result);
  const sr = structuredReport(result, { segmentation: seg });
  let loaded: Loaded;

  beforeAll(() => {
    loaded = load(sourceBytes, sr.part10, seg.part10);
  });

  it('hydrates every measurement group, each on the source image at the CAM peak', () => {
    expect(loaded.sr.warnings).toEqual([]);
    // 3 class groups, 9 region groups, 1 severity group, 1 clinical prediction (the null one is not written). The
    // 15th, the lesion outline (a free POLYLINE, no NUM), is for SR display: the adapters hydrate free polylines only
    // from their own tools' SRs (PlanarFreehandROI has no geometry test), and skip it without a warning.
    expect(loaded.sr.measurements).toHaveLength(14);
    const trackingUids = new Set(loaded.sr.measurements.map((m) => m.trackingUniqueIdentifier));
    expect(trackingUids.size).toBe(14);
    for (const m of loaded.sr.measurements) {
      expect(m.toolType).toBe('Probe');
      expect(m.referencedImageId).toBe(loaded.imageId);
      expect(m.sopInstanceUid).toBe(source.SOPInstanceUID);
      const [point] = m.imagePoints;
      expect(point?.[0]).toBeCloseTo((30.5 / 112) * columns, 1);
      expect(point?.[1]).toBeCloseTo((72.5 / 112) * rows, 1);
    }
  });

  it('brings back the findings, their sites and the values', () => {
    const byFinding = (finding: string) => loaded.sr.measurements.filter((m) => m.finding === finding);
    expect(byFinding('Pneumonia caused by SARS-CoV-2').map((m) => m.value)).toEqual([0.8123456789]);
    const lesionGroups = byFinding('Lesion');
    expect(lesionGroups.map((m) => m.findingSites[0])).toEqual(expect.arrayContaining(['Lung', 'Right lung', 'Left lung', 'Right lower lung zone (Brixia C)']));
    // The first NUM of a region group is its lesion area fraction, in percent.
    expect(lesionGroups.find((m) => m.findingSites[0] === 'Lung')?.value).toBe(9.26);
    expect(lesionGroups.find((m) => m.findingSites[0] === 'Right lung')?.value).toBe(18.52);
    expect(byFinding('Lung involvement severity').map((m) => m.value)).toEqual([4.5]);
    expect(byFinding('Predicted C-reactive protein').map((m) => m.value)).toEqual([42.5]);
  });

  it('loads the SEG onto the source image with both segments and their pixels', () => {
    expect(loaded.seg.error).toBeUndefined();
    expect(loaded.seg.segments).toEqual([
      { number: ANALYSIS_SEGMENTS.lung, label: 'Lung', algorithmType: 'AUTOMATIC' },
      { number: ANALYSIS_SEGMENTS.lesion, label: 'Lesion', algorithmType: 'AUTOMATIC' },
    ]);
    const images = (loaded.seg.labelmapImages ?? []).flat();
    expect(images.length).toBeGreaterThanOrEqual(1);
    for (const image of images) expect([image.rows, image.columns]).toEqual([rows, columns]);
    // Lesion lies inside the lung, so the segments overlap: per segment the pixel count over all labelmaps equals the mask's.
    const count = (mask: { data: Uint8Array }) => mask.data.reduce((a, b) => a + b, 0);
    expect(loaded.seg.pixelCounts?.[ANALYSIS_SEGMENTS.lesion]).toBe(count(resampleNearest(lesions.lesionMask, rows, columns)));
    expect(loaded.seg.pixelCounts?.[ANALYSIS_SEGMENTS.lung]).toBeGreaterThan(0);
  });
});
