import { classifyScope } from '../scope';
import { readPart10 } from '../read';
import { readSample, SAMPLE } from '../read/__tests__/sampleFiles';
import { analysisSegmentation, ANALYSIS_SEGMENTS, resampleNearest } from './analysisSegmentation';
import { analysis, lesionFindings } from './__tests__/fixtures';
import { dciodvfy } from './__tests__/validators';
import { segmentation, unpackBits, SEGMENTATION_STORAGE } from './segmentation';
import { structuredReport } from './structuredReport';

// Real sources: CR (JPEG; MONOCHROME1 JPEG 2000; no File Meta), CT with a Frame of Reference (plane geometry).
const SOURCES = [SAMPLE.crJpegBaseline, SAMPLE.crJpeg2000Mono1, SAMPLE.crMono1NoPreamble, SAMPLE.ctSmall];

const items = (value: unknown): Array<Record<string, unknown>> => (Array.isArray(value) ? value : []) as Array<Record<string, unknown>>;

describe('analysisSegmentation (PS3.3 A.51, lung and lesion)', () => {
  it.each(SOURCES)('%s: passes dciodvfy with zero errors', (sample) => {
    const source = readPart10(readSample(sample)).dataset;
    const seg = analysisSegmentation(analysis(source, { lesions: lesionFindings() }));
    const check = dciodvfy(seg.part10);
    if (check.warnings.length) process.stderr.write(`dciodvfy warnings for analysis SEG of ${sample}:\n${check.warnings.join('\n')}\n`);
    expect(check.errors).toEqual([]);
    expect(check.output).toMatch(/Segmentation/);
  });

  it('writes two AUTOMATIC segments, Lung and Lesion, with the model as algorithm, and references the source', () => {
    const source = readPart10(readSample(SAMPLE.crJpegBaseline)).dataset;
    const back = readPart10(analysisSegmentation(analysis(source, { lesions: lesionFindings() })).part10);
    expect(back.sopClassUid).toBe(SEGMENTATION_STORAGE);
    const segments = items(back.dataset.SegmentSequence);
    expect(segments.map((s) => [s.SegmentNumber, s.SegmentLabel, s.SegmentAlgorithmType, s.SegmentAlgorithmName])).toEqual([
      [ANALYSIS_SEGMENTS.lung, 'Lung', 'AUTOMATIC', 'LungFlow CXR test model 1.2.3'],
      [ANALYSIS_SEGMENTS.lesion, 'Lesion', 'AUTOMATIC', 'LungFlow CXR test model 1.2.3'],
    ]);
    expect(items(segments[0]?.SegmentedPropertyTypeCodeSequence)[0]).toMatchObject({ CodeValue: '39607008', CodingSchemeDesignator: 'SCT' });
    expect(items(segments[1]?.SegmentedPropertyTypeCodeSequence)[0]).toMatchObject({ CodeValue: '52988006', CodingSchemeDesignator: 'SCT' });
    expect(back.dataset).toMatchObject({ NumberOfFrames: 2, Rows: source.Rows, Columns: source.Columns, SegmentationType: 'BINARY', Modality: 'SEG' });
    for (const frame of items(back.dataset.PerFrameFunctionalGroupsSequence)) {
      const derivation = items(frame.DerivationImageSequence)[0];
      expect(items(derivation?.SourceImageSequence)[0]).toMatchObject({ ReferencedSOPInstanceUID: source.SOPInstanceUID, ReferencedSOPClassUID: source.SOPClassUID });
    }
    expect(items(back.dataset.ReferencedSeriesSequence)[0]).toMatchObject({ SeriesInstanceUID: source.SeriesInstanceUID });
    expect(classifyScope(back.dataset)).toMatchObject({ inScope: false, reason: 'lungflow-output' });
  });

  it('resamples the model-grid masks nearest onto the image grid, frame by frame', () => {
    const source = readPart10(readSample(SAMPLE.crJpegBaseline)).dataset;
    const rows = source.Rows as number;
    const columns = source.Columns as number;
    const lesions = lesionFindings();
    const back = readPart10(analysisSegmentation(analysis(source, { lesions })).part10);
    if (!back.pixelData || back.pixelData.encapsulated) throw new Error('SEG pixel data should be native');
    const packed = back.pixelData.buffers[0] as Uint8Array;
    const lung = unpackBits(packed, rows, columns);
    const lesion = unpackBits(packed, rows, columns, rows * columns);
    expect(Buffer.from(lung).equals(Buffer.from(resampleNearest(lesions.lungMask, rows, columns).data))).toBe(true);
    expect(Buffer.from(lesion).equals(Buffer.from(resampleNearest(lesions.lesionMask, rows, columns).data))).toBe(true);
    // The model cell (30, 72) is lesion; the image pixel whose centre lies in it is lesion too, a lung-free corner is not.
    const x = Math.floor((30.5 / 112) * columns);
    const y = Math.floor((72.5 / 112) * rows);
    expect(lesion[y * columns + x]).toBe(1);
    expect(lung[0]).toBe(0);
    const lesionPixels = lesion.reduce((a, b) => a + b, 0);
    expect(lesionPixels / (rows * columns)).toBeCloseTo((20 * 24 - 6 * 6) / (112 * 112), 2);
  });

  it('resampleNearest maps a 2×2 grid onto 3×5 by pixel centres', () => {
    const mask = { width: 2, height: 2, data: Uint8Array.from([1, 0, 0, 1]) };
    expect(Array.from(resampleNearest(mask, 3, 5).data)).toEqual([1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1]);
  });

  it('derives UIDs like the SR and SC (kind seg): same result, same UIDs; other model version, new ones; never the SR', () => {
    const source = readPart10(readSample(SAMPLE.ctSmall)).dataset;
    const a = analysisSegmentation(analysis(source, { lesions: lesionFindings() }));
    const again = analysisSegmentation(analysis(source, { lesions: lesionFindings(), now: new Date() }));
    const other = analysisSegmentation(analysis(source, { lesions: lesionFindings(), model: { id: 'cxr-test', name: 'x', version: '9', fileSha256: '0'.repeat(64) } }));
    expect([again.seriesInstanceUid, again.sopInstanceUid]).toEqual([a.seriesInstanceUid, a.sopInstanceUid]);
    expect(other.sopInstanceUid).not.toBe(a.sopInstanceUid);
    const sr = structuredReport(analysis(source));
    expect([sr.seriesInstanceUid, sr.sopInstanceUid]).not.toContain(a.sopInstanceUid);
    expect(a.seriesInstanceUid).not.toBe(sr.seriesInstanceUid);
  });

  it('refuses a result without lesions', () => {
    const source = readPart10(readSample(SAMPLE.ctSmall)).dataset;
    expect(() => analysisSegmentation(analysis(source))).toThrow(/lesions/);
  });

  it('leaves the review SEG as it was: one MANUAL Lesion frame', () => {
    const source = readPart10(readSample(SAMPLE.crJpegBaseline)).dataset;
    const rows = source.Rows as number;
    const columns = source.Columns as number;
    const seg = segmentation({
      source,
      reviewer: { username: 'u', displayName: 'U^V' },
      revision: 1,
      label: { value: '17621005', scheme: 'SCT', meaning: 'Normal' },
      agreesWithModel: true,
      lesionMask: { rows, columns, data: new Uint8Array(rows * columns) },
    });
    expect(seg.dataset).toMatchObject({ NumberOfFrames: 1 });
    expect(items(seg.dataset.SegmentSequence).map((s) => s.SegmentAlgorithmType)).toEqual(['MANUAL']);
  });
});
