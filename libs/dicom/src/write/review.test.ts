import { classifyScope } from '../scope';
import { readPart10 } from '../read';
import { readSample, SAMPLE } from '../read/__tests__/sampleFiles';
import { CXR_CLASSES } from './__tests__/fixtures';
import { dciodvfy, dsrdump } from './__tests__/validators';
import { reviewReport } from './reviewReport';
import type { ReviewResult } from './ReviewResult';
import { segmentation, unpackBits, SEGMENTATION_STORAGE } from './segmentation';

type Item = Record<string, unknown>;

// Real sources: CR (JPEG; MONOCHROME1 JPEG 2000), CT with a Frame of Reference (the SEG then carries plane geometry).
const SOURCES = [SAMPLE.crJpegBaseline, SAMPLE.crJpeg2000Mono1, SAMPLE.ctSmall];

function review(sample: string, overrides: Partial<ReviewResult> = {}): ReviewResult {
  const source = readPart10(readSample(sample)).dataset;
  const rows = source.Rows as number;
  const columns = source.Columns as number;
  const data = new Uint8Array(rows * columns);
  // A drawn rectangle plus a single pixel at the end of the grid (bit packing's last byte).
  for (let y = Math.floor(rows / 4); y < rows / 2; y += 1) for (let x = Math.floor(columns / 4); x < columns / 2; x += 1) data[y * columns + x] = 1;
  data[rows * columns - 1] = 1;
  return {
    source,
    reviewer: { username: 'dr.house', displayName: 'House^Gregory' },
    revision: 1,
    label: (CXR_CLASSES[0] as (typeof CXR_CLASSES)[number]).code,
    agreesWithModel: false,
    modelSr: { sopClassUid: '1.2.840.10008.5.1.4.1.1.88.34', sopInstanceUid: '2.25.1234', seriesInstanceUid: '2.25.1233' },
    severity: [{ name: { value: 'BRIXIA', scheme: '99LUNGFLOW', meaning: 'Brixia score' }, value: 7 }],
    lesionMask: { rows, columns, data },
    softwareVersion: '0.1.0',
    now: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)),
    ...overrides,
  };
}

describe('review SEG and SR', () => {
  it.each(SOURCES)('%s: SEG and SR pass dciodvfy with zero errors', (sample) => {
    const input = review(sample);
    const seg = segmentation(input);
    const sr = reviewReport(input, seg);
    for (const [what, object] of [['SEG', seg], ['SR', sr]] as const) {
      const check = dciodvfy(object.part10);
      if (check.warnings.length) process.stderr.write(`dciodvfy warnings for review ${what} of ${sample}:\n${check.warnings.join('\n')}\n`);
      expect(check.errors).toEqual([]);
    }
    const tree = dsrdump(sr.part10);
    expect(tree).toMatch(/Verification Flag\s*: VERIFIED/);
    expect(tree).toMatch(/\(121005,DCM,"Observer Type"\)=\(121006,DCM,"Person"\)/);
    expect(tree).toMatch(/\(121008,DCM,"Person Observer Name"\)="House\^Gregory"/);
    expect(tree).toMatch(/\(121071,DCM,"Finding"\)=\(882784691000119100,SCT,"Pneumonia caused by SARS-CoV-2"\)/);
    expect(tree).toMatch(/\(AIAGREE,99LUNGFLOW,"Agreement with AI result"\)=\(373067005,SCT,"No"\)/);
    expect(tree).toMatch(/"Brixia score"\)="7"/);
    expect(JSON.stringify(sr.dataset.ContentSequence)).toContain(seg.sopInstanceUid);
  });

  it('gives the severity NUM a SCOORD (the whole image, SELECTED FROM the source) and the group the same, as OHIF before PR #5703 needs', () => {
    const input = review(SAMPLE.crJpegBaseline);
    const sr = reviewReport(input, segmentation(input));
    const measurements = (sr.dataset.ContentSequence as Item[]).find((i) => JSON.stringify(i.ConceptNameCodeSequence).includes('126010'));
    const [group] = measurements?.ContentSequence as Item[];
    const items = group?.ContentSequence as Item[];
    const whole = [0, 0, input.source.Columns, 0, input.source.Columns, input.source.Rows, 0, input.source.Rows, 0, 0];
    const selectedFromSource = (scoord: Item | undefined) => {
      expect(scoord).toMatchObject({ ValueType: 'SCOORD', GraphicType: 'POLYLINE', GraphicData: whole });
      const [image] = scoord?.ContentSequence as Item[];
      expect(image).toMatchObject({ RelationshipType: 'SELECTED FROM', ValueType: 'IMAGE', ReferencedSOPSequence: [{ ReferencedSOPInstanceUID: input.source.SOPInstanceUID }] });
    };
    const groupScoord = items.find((i) => i.ValueType === 'SCOORD');
    expect(groupScoord).toMatchObject({ RelationshipType: 'CONTAINS', ConceptNameCodeSequence: [{ CodeValue: '111030' }] });
    selectedFromSource(groupScoord);
    const nums = items.filter((i) => i.ValueType === 'NUM');
    expect(nums).toHaveLength(1);
    const [inferred] = nums[0]?.ContentSequence as Item[];
    expect(inferred).toMatchObject({ RelationshipType: 'INFERRED FROM' });
    selectedFromSource(inferred);
    // Without scores there is no NUM, and no SCOORD either: nothing to place.
    const plain = reviewReport({ ...input, severity: [] }, segmentation(input));
    expect(JSON.stringify(plain.dataset.ContentSequence)).not.toContain('"SCOORD"');
  });

  it('keeps the drawn mask bit for bit and refuses a mask on another grid', () => {
    const input = review(SAMPLE.crJpegBaseline);
    const back = readPart10(segmentation(input).part10);
    expect(back.sopClassUid).toBe(SEGMENTATION_STORAGE);
    if (!back.pixelData || back.pixelData.encapsulated) throw new Error('SEG pixel data should be native');
    const pixels = back.pixelData.buffers[0] as Uint8Array;
    expect(back.dataset).toMatchObject({ BitsAllocated: 1, Rows: input.lesionMask.rows, Columns: input.lesionMask.columns, NumberOfFrames: 1 });
    expect(Buffer.from(unpackBits(pixels, input.lesionMask.rows, input.lesionMask.columns)).equals(Buffer.from(input.lesionMask.data))).toBe(true);
    expect(() => segmentation({ ...input, lesionMask: { rows: 2, columns: 2, data: new Uint8Array(4) } })).toThrow(/mask is 2×2/);
  });

  it('derives UIDs per (study, reviewer, revision): same save, same UIDs; next revision or other reviewer, new ones', () => {
    const input = review(SAMPLE.crJpegBaseline);
    const a = segmentation(input);
    const again = segmentation({ ...input, now: new Date() });
    const next = segmentation({ ...input, revision: 2 });
    const other = segmentation({ ...input, reviewer: { username: 'dr.cuddy', displayName: 'Cuddy^Lisa' } });
    expect(again.sopInstanceUid).toBe(a.sopInstanceUid);
    expect(new Set([a.sopInstanceUid, next.sopInstanceUid, other.sopInstanceUid]).size).toBe(3);
    expect(next.seriesInstanceUid).toBe(a.seriesInstanceUid);
    const sr2 = reviewReport({ ...input, revision: 2, previousRevision: { sopClassUid: '1.2.840.10008.5.1.4.1.1.88.34', sopInstanceUid: reviewReport(input, a).sopInstanceUid, seriesInstanceUid: a.seriesInstanceUid } }, next);
    expect(JSON.stringify(sr2.dataset.PredecessorDocumentsSequence)).toContain(reviewReport(input, a).sopInstanceUid);
  });

  it('is recognised by the scope check as LungFlow output, so ingest never analyses a review', () => {
    const input = review(SAMPLE.crJpegBaseline);
    const seg = segmentation(input);
    for (const object of [seg, reviewReport(input, seg)]) {
      expect(classifyScope(readPart10(object.part10).dataset)).toMatchObject({ inScope: false, reason: 'lungflow-output' });
    }
  });
});
