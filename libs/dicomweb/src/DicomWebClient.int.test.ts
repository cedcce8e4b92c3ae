/**
 * Against the REAL Orthanc of deploy/local (`npm run stack:up`). Sources are real files from ../shared/data/dicom.
 * Overwriting is on in that Orthanc, so re-running stores the same instances again instead of piling up.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { DicomWebClient, DicomWebError, firstString } from './index';

const repoRoot = path.resolve(__dirname, '../../..');
const dataDir = path.join(process.env.LUNGFLOW_SHARED_DIR ?? path.resolve(repoRoot, '../shared'), 'data', 'dicom');
const baseUrl = process.env.DICOMWEB_URL ?? 'http://127.0.0.1:8042/dicom-web';
const auth = { username: process.env.DICOMWEB_USERNAME ?? 'lungflow', password: process.env.DICOMWEB_PASSWORD ?? 'lungflow' };

function sample(relative: string): Uint8Array {
  const file = path.join(dataDir, relative);
  if (!existsSync(file)) throw new Error(`sample ${relative} missing: is ../shared/data present (or LUNGFLOW_SHARED_DIR set)?`);
  return new Uint8Array(readFileSync(file));
}

/** Real fetch, counted, to see how many attempts the client made. */
function countingFetch(): { fetch: typeof fetch; count: () => number } {
  let n = 0;
  return { fetch: ((...args: Parameters<typeof fetch>) => ((n += 1), fetch(...args))) as typeof fetch, count: () => n };
}

const client = new DicomWebClient({ baseUrl, auth, timeoutMs: 20_000, retry: { retries: 1, initialMs: 50, maxMs: 200 } });

describe('DicomWebClient against the local Orthanc', () => {
  const ctSmall = sample('pydicom_debian_pkg/CT_small.dcm'); // CT 128×128, 16-bit, uncompressed
  const jpegCr = sample('torchxrayvision/1.2.276.0.7230010.3.1.4.8323329.6904.1517875201.850819.dcm'); // JPEG baseline
  let study = '';
  let series = '';
  let sop = '';

  beforeAll(async () => {
    await client.searchStudies({ limit: 1 }).catch((error: unknown) => {
      throw new Error(`Orthanc not reachable at ${baseUrl}: run \`npm run stack:up\` first (${String(error)})`);
    });
  });

  it('STOWs a real CT instance and finds it with QIDO at study, series and instance level', async () => {
    const result = await client.storeInstances([ctSmall]);
    expect(result.failed).toEqual([]);
    expect(result.stored).toHaveLength(1);
    sop = result.stored[0]?.sopInstanceUid ?? '';
    expect(sop).toMatch(/^[0-9.]+$/);

    const [instance, ...others] = await client.searchInstances({ SOPInstanceUID: sop });
    expect(others).toEqual([]);
    study = firstString(instance ?? {}, '0020000D') ?? '';
    series = firstString(instance ?? {}, '0020000E') ?? '';
    expect((await client.searchStudies({ StudyInstanceUID: study })).map((s) => firstString(s, '0020000D'))).toEqual([study]);
    expect((await client.searchSeries({}, study)).map((s) => firstString(s, '0020000E'))).toContain(series);
    expect((await client.searchInstances({}, study, series)).map((s) => firstString(s, '00080018'))).toContain(sop);
    expect(await client.searchStudies({ StudyInstanceUID: '1.2.3.999999.1' })).toEqual([]);
  });

  it('retrieves metadata, uncompressed frames, the Part-10 instance and a rendered PNG', async () => {
    const [metadata] = await client.retrieveInstanceMetadata(study, series, sop);
    const rows = Number(firstString(metadata ?? {}, '00280010'));
    const columns = Number(firstString(metadata ?? {}, '00280011'));
    expect([rows, columns]).toEqual([128, 128]);
    expect((await client.retrieveSeriesMetadata(study, series)).length).toBeGreaterThanOrEqual(1);
    expect((await client.retrieveStudyMetadata(study)).length).toBeGreaterThanOrEqual(1);

    const [frame] = await client.retrieveFrames(study, series, sop, [1]);
    expect(frame?.length).toBe(rows * columns * 2); // 16 bits allocated, 1 sample: Explicit VR LE, no compression

    const part10 = await client.retrieveInstance(study, series, sop);
    expect(Buffer.from(part10.subarray(128, 132)).toString('latin1')).toBe('DICM'); // PS3.10 §7.1 preamble + prefix
    expect(part10.length).toBeGreaterThan(rows * columns * 2);

    const png = await client.retrieveRendered(study, series, sop, { viewport: { width: 64, height: 64 } });
    expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const { width, height } = await sharp(png).metadata();
    expect(Math.max(width ?? 0, height ?? 0)).toBe(64); // the viewport was honoured
  });

  it('asks the PACS to decompress a JPEG baseline image into raw frames', async () => {
    const stored = await client.storeInstances([jpegCr]);
    const uid = stored.stored[0]?.sopInstanceUid ?? '';
    const [instance] = await client.searchInstances({ SOPInstanceUID: uid, includefield: ['00280010', '00280011'] });
    const st = firstString(instance ?? {}, '0020000D') ?? '';
    const se = firstString(instance ?? {}, '0020000E') ?? '';
    const [metadata] = await client.retrieveInstanceMetadata(st, se, uid);
    expect(firstString(metadata ?? {}, '00280100')).toBe('8');
    const [frame] = await client.retrieveFrames(st, se, uid, [1]);
    const size = Number(firstString(metadata ?? {}, '00280010')) * Number(firstString(metadata ?? {}, '00280011'));
    expect(frame?.length).toBe(size); // 8-bit, one sample, uncompressed
    expect(jpegCr.length).toBeLessThan(size); // the stored file really was compressed
  });

  it('does not retry a 4xx and says what the PACS answered', async () => {
    const counted = countingFetch();
    const c = new DicomWebClient({ baseUrl, auth, fetch: counted.fetch, retry: { retries: 3, initialMs: 10, maxMs: 20 } });
    const error = (await c.retrieveStudyMetadata('1.2.3.999999.1').catch((e: unknown) => e)) as DicomWebError;
    expect(error).toBeInstanceOf(DicomWebError);
    expect(error).toMatchObject({ code: 'DICOMWEB_HTTP_4XX', status: 404, retriable: false });
    expect(error.message).toMatch(/^GET \/dicom-web\/studies\/1\.2\.3\.999999\.1\/metadata: PACS answered 404/);
    expect(counted.count()).toBe(1);
  });

  it('gives a clear 401 error for a wrong password, without the password, retriable (credentials may be rotating)', async () => {
    const c = new DicomWebClient({ baseUrl, auth: { username: auth.username, password: 'not-the-password' }, retry: { retries: 1, initialMs: 10, maxMs: 20 } });
    const error = (await c.searchStudies().catch((e: unknown) => e)) as DicomWebError;
    expect(error).toMatchObject({ code: 'DICOMWEB_AUTH_REFUSED', status: 401, retriable: true });
    expect(error.message).toMatch(/401 Unauthorized \(check DICOMWEB_USERNAME\/DICOMWEB_PASSWORD/);
    expect(error.message).not.toMatch(/not-the-password/);
  });

  it('refuses to STOW something that is not DICOM', async () => {
    await expect(client.storeInstances([new Uint8Array(Buffer.from('not a DICOM file'))])).rejects.toMatchObject({ retriable: false });
  });

  it('retries an unreachable PACS, then reports it as retriable', async () => {
    const counted = countingFetch();
    const c = new DicomWebClient({ baseUrl: 'http://127.0.0.1:9/dicom-web', fetch: counted.fetch, retry: { retries: 2, initialMs: 10, maxMs: 20 } });
    await expect(c.searchStudies()).rejects.toMatchObject({ code: 'DICOMWEB_UNREACHABLE', retriable: true });
    expect(counted.count()).toBe(3);
  });
});
