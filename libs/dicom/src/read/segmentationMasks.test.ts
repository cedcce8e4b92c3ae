import { analysisSegmentation, resampleNearest } from '../write/analysisSegmentation';
import { analysis, lesionFindings } from '../write/__tests__/fixtures';
import { readSample, SAMPLE } from './__tests__/sampleFiles';
import { readPart10 } from './readPart10';
import { segmentationMasks } from './segmentationMasks';

describe('segmentationMasks', () => {
  it('reads back the lung and lesion masks LungFlow writes, by segment number and label', () => {
    const source = readPart10(readSample(SAMPLE.crJpegBaseline)).dataset;
    const lesions = lesionFindings();
    const seg = readPart10(analysisSegmentation(analysis(source, { lesions })).part10);
    const { rows, columns, segments } = segmentationMasks(seg);
    expect([rows, columns]).toEqual([source.Rows, source.Columns]);
    expect(segments.map((s) => [s.number, s.label])).toEqual([[1, 'Lung'], [2, 'Lesion']]);
    expect(Buffer.from(segments[0]?.data ?? []).equals(Buffer.from(resampleNearest(lesions.lungMask, rows, columns).data))).toBe(true);
    expect(Buffer.from(segments[1]?.data ?? []).equals(Buffer.from(resampleNearest(lesions.lesionMask, rows, columns).data))).toBe(true);
  });

  it('refuses an object that is not a binary segmentation', () => {
    const image = readPart10(readSample(SAMPLE.crJpegBaseline));
    expect(() => segmentationMasks(image)).toThrow(expect.objectContaining({ code: 'DICOM_UNSUPPORTED_PIXEL_FORMAT' }));
  });
});
