/**
 * Results on one frame of a multi-frame source (an enhanced CT, 2 frames): every reference to "the image the
 * findings are on" names that frame. PS3.3 Table 10-3 (Image SOP Instance Reference Macro): Referenced Frame Number
 * is required when the referenced instance is multi-frame and the reference does not apply to all frames; a
 * single-frame source gets none.
 */
import { readPart10 } from '../read';
import { readSample, SAMPLE } from '../read/__tests__/sampleFiles';
import { analysisSegmentation } from './analysisSegmentation';
import { analysis, lesionFindings } from './__tests__/fixtures';
import { dciodvfy } from './__tests__/validators';
import { reviewReport } from './reviewReport';
import type { ReviewResult } from './ReviewResult';
import { segmentation } from './segmentation';
import { structuredReport } from './structuredReport';

type Item = Record<string, unknown>;
const items = (value: unknown): Item[] => (Array.isArray(value) ? value : []) as Item[];

/** Every item of the SR content tree that references an image, with its ReferencedSOPSequence item. */
function imageReferences(content: unknown, out: Array<{ parent: string; ref: Item }> = [], parent = ''): Array<{ parent: string; ref: Item }> {
  for (const item of items(content)) {
    if (item.ValueType === 'IMAGE') out.push({ parent, ref: items(item.ReferencedSOPSequence)[0] as Item });
    imageReferences(item.ContentSequence, out, String(item.ValueType));
  }
  return out;
}

const enhanced = readPart10(readSample(SAMPLE.enhancedCtMultiFrame)).dataset;
const single = readPart10(readSample(SAMPLE.ctSmall)).dataset;

describe('results on one frame of a multi-frame source', () => {
  it('names the frame in every SCOORD of the SR (SELECTED FROM), not in the Image Library; dciodvfy zero errors', () => {
    const sr = structuredReport(analysis(enhanced, { lesions: lesionFindings(), frame: 2 }));
    const check = dciodvfy(sr.part10);
    if (check.warnings.length) process.stderr.write(`dciodvfy warnings for the SR on frame 2 of ${SAMPLE.enhancedCtMultiFrame}:\n${check.warnings.join('\n')}\n`);
    expect(check.errors).toEqual([]);
    const refs = imageReferences(sr.dataset.ContentSequence).filter((r) => r.ref.ReferencedSOPInstanceUID === enhanced.SOPInstanceUID);
    const selectedFrom = refs.filter((r) => r.parent === 'SCOORD');
    expect(selectedFrom.length).toBeGreaterThan(20);
    for (const { ref } of selectedFrom) expect(ref.ReferencedFrameNumber).toBe(2);
    // The Image Library names the analysed instance as a whole (every frame was analysed).
    expect(refs.filter((r) => r.parent !== 'SCOORD').map((r) => r.ref.ReferencedFrameNumber)).toEqual([undefined]);
  });

  it('defaults to frame 1, refuses a frame the source lacks, and writes no frame number for a single-frame source', () => {
    const first = imageReferences(structuredReport(analysis(enhanced, { lesions: lesionFindings() })).dataset.ContentSequence).filter((r) => r.parent === 'SCOORD');
    expect(new Set(first.map((r) => r.ref.ReferencedFrameNumber))).toEqual(new Set([1]));
    expect(() => structuredReport(analysis(enhanced, { frame: 3 }))).toThrow(/frame 3 is not among the source's 2 frames/);
    const plain = imageReferences(structuredReport(analysis(single, { lesions: lesionFindings(), frame: 1 })).dataset.ContentSequence);
    expect(plain.every((r) => r.ref.ReferencedFrameNumber === undefined)).toBe(true);
  });

  it("gives the SEG the frame in its source references and that frame's plane position; dciodvfy zero errors", () => {
    const seg = analysisSegmentation(analysis(enhanced, { lesions: lesionFindings(), frame: 2 }));
    const check = dciodvfy(seg.part10);
    if (check.warnings.length) process.stderr.write(`dciodvfy warnings for the SEG on frame 2 of ${SAMPLE.enhancedCtMultiFrame}:\n${check.warnings.join('\n')}\n`);
    expect(check.errors).toEqual([]);
    const back = readPart10(seg.part10).dataset;
    const perFrame = items(back.PerFrameFunctionalGroupsSequence);
    expect(perFrame).toHaveLength(2);
    const sourceFrame2 = items(items(enhanced.PerFrameFunctionalGroupsSequence)[1]?.PlanePositionSequence)[0]?.ImagePositionPatient;
    for (const frame of perFrame) {
      const source = items(items(frame.DerivationImageSequence)[0]?.SourceImageSequence)[0];
      expect(source).toMatchObject({ ReferencedSOPInstanceUID: enhanced.SOPInstanceUID, ReferencedFrameNumber: 2 });
      expect(items(frame.PlanePositionSequence)[0]?.ImagePositionPatient).toEqual(sourceFrame2);
    }
    // Referenced Series > Referenced Instance is the SOP Instance Reference Macro (Table 10-11): no frame number there.
    const referenced = items(items(back.ReferencedSeriesSequence)[0]?.ReferencedInstanceSequence)[0];
    expect(referenced).toMatchObject({ ReferencedSOPClassUID: enhanced.SOPClassUID, ReferencedSOPInstanceUID: enhanced.SOPInstanceUID });
    expect(referenced).not.toHaveProperty('ReferencedFrameNumber');
    expect(check.warnings.join('\n')).not.toMatch(/ReferencedFrameNumber/);
    // The enhanced source's geometry lives in its functional groups: the SEG takes orientation and spacing from there.
    const shared = items(back.SharedFunctionalGroupsSequence)[0];
    expect(items(shared?.PlaneOrientationSequence)[0]?.ImageOrientationPatient).toEqual([-1, 0, 0, 0, 1, 0]);
    expect(items(shared?.PixelMeasuresSequence)[0]).toMatchObject({ PixelSpacing: [0.388672, 0.388672], SliceThickness: 10 });
    expect(back.FrameOfReferenceUID).toBe(enhanced.FrameOfReferenceUID);
  });

  it("names the frame in the review's SEG and SR too; both pass dciodvfy with zero errors", () => {
    const rows = enhanced.Rows as number;
    const columns = enhanced.Columns as number;
    const data = new Uint8Array(rows * columns);
    data.fill(1, 100 * columns, 120 * columns);
    const input: ReviewResult = {
      source: enhanced,
      frame: 2,
      reviewer: { username: 'dr.house', displayName: 'House^Gregory' },
      revision: 1,
      label: { value: '17621005', scheme: 'SCT', meaning: 'Normal' },
      agreesWithModel: true,
      severity: [{ name: { value: 'CTSS', scheme: '99LUNGFLOW', meaning: 'CT severity score' }, value: 3 }],
      lesionMask: { rows, columns, data },
      now: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)),
    };
    const seg = segmentation(input);
    const sr = reviewReport(input, seg);
    for (const object of [seg, sr]) expect(dciodvfy(object.part10).errors).toEqual([]);
    const segSource = items(items(items(seg.dataset.PerFrameFunctionalGroupsSequence)[0]?.DerivationImageSequence)[0]?.SourceImageSequence)[0];
    expect(segSource).toMatchObject({ ReferencedFrameNumber: 2 });
    const scoords = imageReferences(sr.dataset.ContentSequence).filter((r) => r.parent === 'SCOORD');
    expect(scoords.length).toBe(2); // the group's Image Region and the score's INFERRED FROM
    for (const { ref } of scoords) expect(ref).toMatchObject({ ReferencedSOPInstanceUID: enhanced.SOPInstanceUID, ReferencedFrameNumber: 2 });
  });
});
