/**
 * The written SR, SC and SEG against the REAL Orthanc of deploy/local (`npm run stack:up`): STOW succeeds, QIDO finds
 * them under the source study, and storing the same result twice leaves one instance (deterministic UIDs).
 */
import { DicomWebClient, firstString } from '@lungflow/dicomweb';
import { heatmapOverlay, legend } from '@lungflow/imaging';
import { renderFrame } from '../pixels';
import { readPart10 } from '../read';
import { readSample, SAMPLE } from '../read/__tests__/sampleFiles';
import { analysisSegmentation } from './analysisSegmentation';
import { analysis, lesionFindings } from './__tests__/fixtures';
import { secondaryCapture, secondaryCaptureLegend, SECONDARY_CAPTURE_IMAGE_STORAGE } from './secondaryCapture';
import { SEGMENTATION_STORAGE } from './segmentationDataset';
import { COMPREHENSIVE_3D_SR, structuredReport } from './structuredReport';
import { stackSettings } from '../../../../test/helpers/stackSettings';

jest.setTimeout(60_000);

// The stack's own settings (ORTHANC_HTTP_PORT and friends, DICOMWEB_URL winning), so a stack on other ports is the one
// this test writes to, never the default port's.
const stack = stackSettings();
const client = new DicomWebClient({
  baseUrl: stack.dicomwebUrl,
  auth: { username: stack.username, password: stack.password },
  retry: { retries: 1, initialMs: 100, maxMs: 500 },
});

describe('SR, SC and SEG in the local Orthanc', () => {
  const sourceBytes = readSample(SAMPLE.crJpegBaseline);
  const source = readPart10(sourceBytes);
  const study = String(source.dataset.StudyInstanceUID);

  beforeAll(async () => {
    await client.storeInstances([sourceBytes]); // the analysed image, as ingest would have found it
  });

  it('stores the SR twice and keeps one instance under the source study', async () => {
    const sr = structuredReport(analysis(source.dataset, { now: new Date() }));
    expect(sr.studyInstanceUid).toBe(study);
    const first = await client.storeInstances([sr.part10], study);
    expect(first.stored.map((s) => s.sopInstanceUid)).toEqual([sr.sopInstanceUid]);
    const again = structuredReport(analysis(source.dataset, { now: new Date(Date.now() + 5_000) }));
    await client.storeInstances([again.part10], study);

    const instances = await client.searchInstances({}, study, sr.seriesInstanceUid);
    expect(instances.map((i) => firstString(i, '00080018'))).toEqual([sr.sopInstanceUid]);
    expect(firstString(instances[0] ?? {}, '00080016')).toBe(COMPREHENSIVE_3D_SR);
    const series = await client.searchSeries({ Modality: 'SR' }, study);
    expect(series.map((s) => firstString(s, '0020000E'))).toContain(sr.seriesInstanceUid);
    const [metadata] = await client.retrieveInstanceMetadata(study, sr.seriesInstanceUid, sr.sopInstanceUid);
    expect(firstString(metadata ?? {}, '0040A493')).toBe('UNVERIFIED');
  });

  it('stores the SC twice, keeps one instance, and Orthanc can render it', async () => {
    const { fullResolution } = await renderFrame(source);
    const result = analysis(source.dataset);
    const cam = { data: new Float32Array(49).map((_, i) => i), width: 7, height: 7 };
    const pixels = await legend(await heatmapOverlay({ ...fullResolution, channels: 1 }, cam), secondaryCaptureLegend(result));
    const sc = secondaryCapture(result, { ...pixels, channels: 3 });
    await client.storeInstances([sc.part10], study);
    await client.storeInstances([sc.part10], study);

    const instances = await client.searchInstances({}, study, sc.seriesInstanceUid);
    expect(instances.map((i) => firstString(i, '00080018'))).toEqual([sc.sopInstanceUid]);
    expect(firstString(instances[0] ?? {}, '00080016')).toBe(SECONDARY_CAPTURE_IMAGE_STORAGE);
    const [frame] = await client.retrieveFrames(study, sc.seriesInstanceUid, sc.sopInstanceUid, [1]);
    expect(Buffer.from(frame ?? []).equals(Buffer.from(pixels.data))).toBe(true);
    const png = await client.retrieveRendered(study, sc.seriesInstanceUid, sc.sopInstanceUid, { viewport: { width: 128, height: 128 } });
    expect(Array.from(png.subarray(1, 4))).toEqual([0x50, 0x4e, 0x47]);
  });

  it('stores the analysis SEG and the lesion SR twice and keeps one of each under the source study', async () => {
    const result = analysis(source.dataset, { lesions: lesionFindings() });
    const seg = analysisSegmentation(result);
    const sr = structuredReport(result, { segmentation: seg });
    await client.storeInstances([sr.part10, seg.part10], study);
    await client.storeInstances([analysisSegmentation({ ...result, now: new Date() }).part10, sr.part10], study);

    const segs = await client.searchInstances({}, study, seg.seriesInstanceUid);
    expect(segs.map((i) => firstString(i, '00080018'))).toEqual([seg.sopInstanceUid]);
    expect(firstString(segs[0] ?? {}, '00080016')).toBe(SEGMENTATION_STORAGE);
    const series = await client.searchSeries({ Modality: 'SEG' }, study);
    expect(series.map((s) => firstString(s, '0020000E'))).toContain(seg.seriesInstanceUid);
    const [metadata] = await client.retrieveInstanceMetadata(study, seg.seriesInstanceUid, seg.sopInstanceUid);
    expect(String((metadata?.['00280008'] as { Value?: unknown[] } | undefined)?.Value?.[0])).toBe('2');
    const srs = await client.searchInstances({}, study, sr.seriesInstanceUid);
    expect(srs.map((i) => firstString(i, '00080018'))).toEqual([sr.sopInstanceUid]);
  });
});
