import { heatmapOverlay, legend } from '@lungflow/imaging';
import { renderFrame } from '../pixels';
import { readPart10 } from '../read';
import { readSample, SAMPLE } from '../read/__tests__/sampleFiles';
import { analysis } from './__tests__/fixtures';
import { dciodvfy } from './__tests__/validators';
import { secondaryCapture, secondaryCaptureLegend, SECONDARY_CAPTURE_IMAGE_STORAGE } from './secondaryCapture';
import { structuredReport } from './structuredReport';

// Decoding the 2k JPEG / JPEG 2000 sources takes seconds on a busy 2-core machine.
jest.setTimeout(60_000);

/** The production path: render the analysed frame, blend a 7×7 CAM over it, burn the legend, wrap as SC. */
type Made = { sc: ReturnType<typeof secondaryCapture>; source: Record<string, unknown>; pixels: Uint8Array };
const made = new Map<string, Promise<Made>>();
const scFor = (sample: string): Promise<Made> => made.get(sample) ?? (made.set(sample, makeSc(sample)), made.get(sample) as Promise<Made>);

async function makeSc(sample: string): Promise<Made> {
  const instance = readPart10(readSample(sample));
  const { fullResolution } = await renderFrame(instance);
  const cam = { data: new Float32Array(49).map((_, i) => (i % 7) + Math.floor(i / 7)), width: 7, height: 7 };
  const result = analysis(instance.dataset);
  const blended = await heatmapOverlay({ ...fullResolution, channels: 1 }, cam);
  const burned = await legend(blended, secondaryCaptureLegend(result));
  return { sc: secondaryCapture(result, { ...burned, channels: 3 }), source: instance.dataset, pixels: burned.data };
}

describe('secondaryCapture', () => {
  it.each([SAMPLE.ctSmall, SAMPLE.crJpegBaseline, SAMPLE.crJpeg2000Mono1, SAMPLE.crMono1NoPreamble])(
    '%s: RGB SC with burned-in legend passes dciodvfy with zero errors',
    async (sample) => {
      const { sc } = await scFor(sample);
      const check = dciodvfy(sc.part10);
      if (check.warnings.length) process.stderr.write(`dciodvfy warnings for SC of ${sample}:\n${check.warnings.join('\n')}\n`);
      expect(check.errors).toEqual([]);
      expect(check.output).toMatch(/SCImage/);
    },
  );

  it('keeps patient and study, opens a new series, stores the pixels exactly and marks them burned-in', async () => {
    const { sc, source, pixels } = await scFor(SAMPLE.ctSmall);
    const back = readPart10(sc.part10);
    expect(back.sopClassUid).toBe(SECONDARY_CAPTURE_IMAGE_STORAGE);
    for (const keyword of ['PatientName', 'PatientID', 'StudyInstanceUID', 'AccessionNumber']) expect(back.dataset[keyword]).toEqual(source[keyword] ?? '');
    expect(back.dataset.SeriesInstanceUID).not.toEqual(source.SeriesInstanceUID);
    expect(back.dataset).toMatchObject({ PhotometricInterpretation: 'RGB', SamplesPerPixel: 3, BurnedInAnnotation: 'YES', ConversionType: 'WSD', Rows: 128, Columns: 128 });
    expect(JSON.stringify(back.dataset.SourceImageSequence)).toContain(String(source.SOPInstanceUID));
    const stored = back.pixelData?.encapsulated === false ? back.pixelData.buffers[0] : undefined;
    expect(stored && Buffer.from(stored).subarray(0, pixels.length).equals(Buffer.from(pixels))).toBe(true);
  });

  it('carries lossy compression of the source over to the derived image', async () => {
    const { sc, source } = await scFor(SAMPLE.crJpeg2000Mono1);
    expect(source.LossyImageCompression).toBe('01');
    expect(sc.dataset.LossyImageCompression).toBe('01');
  });

  it('gets its own UIDs, deterministic, distinct from the SR of the same result', async () => {
    const first = (await scFor(SAMPLE.ctSmall)).sc;
    const again = (await makeSc(SAMPLE.ctSmall)).sc; // built anew, not from the cache
    const sr = structuredReport(analysis(readPart10(readSample(SAMPLE.ctSmall)).dataset));
    expect(again.sopInstanceUid).toBe(first.sopInstanceUid);
    expect(first.seriesInstanceUid).not.toBe(sr.seriesInstanceUid);
    expect(first.sopInstanceUid).not.toBe(sr.sopInstanceUid);
  });

  it('refuses pixels that are not interleaved RGB of the stated size', () => {
    const result = analysis(readPart10(readSample(SAMPLE.ctSmall)).dataset);
    expect(() => secondaryCapture(result, { data: new Uint8Array(10), width: 2, height: 2, channels: 3 })).toThrow(RangeError);
  });

  it('names the result, the model and the decision in the legend', () => {
    expect(secondaryCaptureLegend(analysis({}))).toEqual([
      'AI result, not for diagnosis',
      'LungFlow CXR test model 1.2.3',
      'Pneumonia caused by SARS-CoV-2: p = 0.81 (positive at >= 0.42)',
    ]);
  });
});
