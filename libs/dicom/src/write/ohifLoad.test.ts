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
import { reviewReport } from './reviewReport';
import type { ReviewResult } from './ReviewResult';
import { LESION_SEGMENT_NUMBER, segmentation } from './segmentation';
import { structuredReport } from './structuredReport';

jest.setTimeout(60_000);

interface Loaded {
  imageId: string;
  /** One per frame of the source (`…/frames/<n>`). */
  imageIds: string[];
  sr: {
    warnings: string[];
    measurements: Array<{ toolType: string; trackingUniqueIdentifier: string; referencedImageId: string; sopInstanceUid: string; finding?: string; findingSites: string[]; imagePoints: number[][]; value: number | string | null }>;
  };
  seg: { error?: string; segments?: Array<{ number: number; label: string; algorithmType: string }>; pixelCounts?: Record<string, number>; pixelsByImage?: Record<string, number>; labelmapImages?: Array<Array<{ rows: number; columns: number; referencedImageId?: string }>> };
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

describe(`${SAMPLE.enhancedCtMultiFrame}, frame 2 of 2: SR and SEG land on that frame through @cornerstonejs/adapters`, () => {
  const sourceBytes = readSample(SAMPLE.enhancedCtMultiFrame);
  const source = readPart10(sourceBytes).dataset;
  const lesions = lesionFindings();
  const result = analysis(source, { lesions, frame: 2 });
  const seg = analysisSegmentation(result);
  const sr = structuredReport(result, { segmentation: seg });
  let loaded: Loaded;

  beforeAll(() => {
    loaded = load(sourceBytes, sr.part10, seg.part10);
  });

  it('hydrates every measurement group on frame 2 (Referenced Frame Number), none on frame 1', () => {
    expect(loaded.imageIds).toHaveLength(2);
    expect(loaded.sr.warnings).toEqual([]);
    expect(loaded.sr.measurements).toHaveLength(14);
    for (const m of loaded.sr.measurements) expect(m.referencedImageId).toBe(loaded.imageIds[1]);
  });

  it("puts the SEG's pixels on frame 2 only, the lesion's count unchanged", () => {
    expect(loaded.seg.error).toBeUndefined();
    expect(loaded.seg.segments?.map((s) => s.label)).toEqual(['Lung', 'Lesion']);
    expect(Object.keys(loaded.seg.pixelsByImage ?? {})).toEqual([loaded.imageIds[1]]);
    const count = (mask: { data: Uint8Array }) => mask.data.reduce((a, b) => a + b, 0);
    expect(loaded.seg.pixelCounts?.[ANALYSIS_SEGMENTS.lesion]).toBe(count(resampleNearest(lesions.lesionMask, source.Rows as number, source.Columns as number)));
  });
});

describe(`${SAMPLE.crJpegBaseline}: the review SR and SEG through @cornerstonejs/adapters`, () => {
  const sourceBytes = readSample(SAMPLE.crJpegBaseline);
  const source = readPart10(sourceBytes).dataset;
  const rows = source.Rows as number;
  const columns = source.Columns as number;
  const data = new Uint8Array(rows * columns);
  data.fill(1, Math.floor(rows / 2) * columns, Math.floor(rows / 2) * columns + columns);
  const review: ReviewResult = {
    source,
    reviewer: { username: 'dr.house', displayName: 'House^Gregory' },
    revision: 1,
    label: { value: '17621005', scheme: 'SCT', meaning: 'Normal' },
    agreesWithModel: false,
    severity: [{ name: { value: 'BRIXIA', scheme: '99LUNGFLOW', meaning: 'Brixia score' }, value: 7 }],
    lesionMask: { rows, columns, data },
    now: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)),
  };
  const seg = segmentation(review);
  const sr = reviewReport(review, seg);
  let loaded: Loaded;

  beforeAll(() => {
    loaded = load(sourceBytes, sr.part10, seg.part10);
  });

  it('places the review group (its severity score) on the source image and loads the one Lesion segment with the drawn pixels', () => {
    expect(loaded.sr.warnings).toEqual([]);
    // The whole-image SCOORD (a closed 4-corner POLYLINE) comes back as a rectangle over the image, with the label.
    expect(loaded.sr.measurements.map((m) => [m.toolType, m.finding, m.referencedImageId])).toEqual([['RectangleROI', 'Normal', loaded.imageId]]);
    const corners = (loaded.sr.measurements[0]?.imagePoints ?? []).map(([x, y]) => [Math.round(x as number), Math.round(y as number)]);
    expect(corners).toEqual(expect.arrayContaining([[0, 0], [columns, rows]]));
    expect(loaded.seg.error).toBeUndefined();
    expect(loaded.seg.segments).toEqual([{ number: LESION_SEGMENT_NUMBER, label: 'Lesion', algorithmType: 'MANUAL' }]);
    expect(loaded.seg.pixelCounts?.[LESION_SEGMENT_NUMBER]).toBe(columns);
  });
});
