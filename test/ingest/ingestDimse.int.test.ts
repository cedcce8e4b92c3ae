import { readPart10 } from '@lungflow/dicom';
import { deflatedInstance } from '../../libs/dicom/src/read/__tests__/deflated';
import { orthancAuthHeader } from '../helpers/stackSettings';
import { echoscu, freePort, storescu, writeTempFiles } from '../helpers/dcmtk';
import { QUIET_MS, about, events, metric, newWorld, pacs, publishedVersions, stack, startIngest, stopAll, until } from './harness';
import type { TestWorld } from './harness';
import { chestCtStudy, cxrStudy } from './fixtures';

// Real peers: dcmtk's storescu/echoscu (Debian dcmtk, deploy/local/install.sh) and the stack's Orthanc as a C-STORE
// SCU, towards ingest's DIMSE receiver; real Orthanc (PACS of record), Kafka and Redis behind it.
jest.setTimeout(180_000);

const AE = 'LUNGFLOW_TEST';
const MODALITY = 'MODALITY1';

async function startDimseIngest(world: TestWorld, allowed = MODALITY, env: Record<string, string> = {}) {
  const port = await freePort();
  const service = await startIngest(world, {
    ...env,
    INGEST_MODE: 'none', // DIMSE is the only way this ingest can learn of a study
    INGEST_DIMSE_ENABLED: 'true',
    INGEST_DIMSE_PORT: String(port),
    INGEST_DIMSE_AE_TITLE: AE,
    INGEST_DIMSE_ALLOWED_CALLING_AE_TITLES: allowed,
  });
  return { service, port };
}

async function orthanc(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${stack.orthancUrl}${path}`, { ...init, headers: { authorization: orthancAuthHeader(stack), 'content-type': 'application/json', ...(init.headers ?? {}) } });
}

/** The compressed frames as stored (storescu may re-encode item lengths, never the codestream). */
function framesOf(part10: Uint8Array): Buffer[] {
  const pixels = readPart10(part10).pixelData;
  if (!pixels?.encapsulated) throw new Error('expected encapsulated pixel data');
  return pixels.frames.map((frame) => Buffer.from(frame));
}

async function orthancFile(studyUid: string): Promise<Uint8Array> {
  const [id] = (await (await orthanc('/tools/find', { method: 'POST', body: JSON.stringify({ Level: 'Instance', Query: { StudyInstanceUID: studyUid } }) })).json()) as string[];
  return new Uint8Array(await (await orthanc(`/instances/${id}/file`)).arrayBuffer());
}

async function orthancTransferSyntax(studyUid: string): Promise<string[]> {
  const found = (await (await orthanc('/tools/find', { method: 'POST', body: JSON.stringify({ Level: 'Instance', Query: { StudyInstanceUID: studyUid } }) })).json()) as string[];
  return Promise.all(found.map(async (id) => (await (await orthanc(`/instances/${id}/metadata/TransferSyntax`)).text()).trim()));
}

describe('ingest DIMSE receiver (C-STORE SCP) with real peers', () => {
  let world: TestWorld;
  beforeEach(async () => {
    world = await newWorld();
  });
  afterEach(async () => {
    await stopAll(world);
  });

  it('answers C-ECHO from an allowed AE and rejects other calling or called AE titles', async () => {
    const { port, service } = await startDimseIngest(world);
    expect((await echoscu(port, { callingAe: MODALITY, calledAe: AE })).code).toBe(0);
    const intruder = await echoscu(port, { callingAe: 'INTRUDER', calledAe: AE });
    expect(intruder.code).not.toBe(0);
    expect(intruder.output).toMatch(/reject/i);
    expect((await echoscu(port, { callingAe: MODALITY, calledAe: 'SOMEONE_ELSE' })).code).not.toBe(0);

    // A store from a refused AE never reaches the PACS.
    const study = cxrStudy('cxrPa');
    const files = writeTempFiles(study.instances);
    try {
      expect((await storescu(port, files.files, { callingAe: 'INTRUDER', calledAe: AE })).code).not.toBe(0);
    } finally {
      files.cleanup();
    }
    expect(await pacs.searchInstances({}, study.studyUid)).toHaveLength(0);
    expect(await metric(service, 'ingest_errors_total', 'code="CALLING_AE_NOT_ALLOWED"')).toBe(2);
  });

  it('stores a study sent over three associations in the PACS of record and publishes it once', async () => {
    const { service, port } = await startDimseIngest(world);
    const study = chestCtStudy(6);
    const files = writeTempFiles(study.instances);
    try {
      // The MONAI Deploy split-study case: one study, three associations, pauses shorter than the quiet period.
      for (const part of [files.files.slice(0, 2), files.files.slice(2, 4), files.files.slice(4)]) {
        const run = await storescu(port, part, { callingAe: MODALITY, calledAe: AE });
        expect(run.code).toBe(0);
        // storescu returned: every instance it sent is already in the PACS (forward-then-track).
        expect((await pacs.searchInstances({}, study.studyUid)).length).toBeGreaterThanOrEqual(part.length);
        await new Promise((resolve) => setTimeout(resolve, QUIET_MS / 3));
      }
    } finally {
      files.cleanup();
    }
    expect(await pacs.searchInstances({}, study.studyUid)).toHaveLength(6);
    const mine = about(await events(world, 1), [study.studyUid]);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ source: 'dimse', studyVersion: 1, instanceCount: 6, sourcePacsId: world.pacsId });
    expect(publishedVersions(world, study.studyUid)).toEqual([1]);
    expect(await metric(service, 'ingest_dimse_instances_total')).toBe(6);
  });

  it('keeps a compressed transfer syntax the pipeline reads (JPEG baseline, JPEG 2000) with its compressed frames unchanged', async () => {
    const { port } = await startDimseIngest(world);
    const jpeg = cxrStudy('cxrPa');
    const j2k = cxrStudy('cxrJ2k');
    // -xy / -xw: storescu proposes the file's own compressed syntax (its own presentation context), as a modality
    // that compresses does; ingest accepts it and the PACS receives it untouched. Without them it offers only
    // uncompressed syntaxes and cannot send these files at all.
    for (const [study, propose] of [[jpeg, '-xy'], [j2k, '-xw']] as const) {
      const files = writeTempFiles(study.instances);
      try {
        const run = await storescu(port, files.files, { callingAe: MODALITY, calledAe: AE, extra: ['-R', propose] });
        expect(run.code === 0 ? 'stored' : run.output).toBe('stored'); // a failure shows storescu's own account
      } finally {
        files.cleanup();
      }
    }
    expect(await orthancTransferSyntax(jpeg.studyUid)).toEqual(['1.2.840.10008.1.2.4.50']);
    expect(await orthancTransferSyntax(j2k.studyUid)).toEqual(['1.2.840.10008.1.2.4.91']);
    for (const study of [jpeg, j2k]) expect(framesOf(await orthancFile(study.studyUid))).toEqual(framesOf(new Uint8Array(study.instances[0])));
    const mine = about(await events(world, 2), [jpeg.studyUid, j2k.studyUid]);
    expect(mine.map((e) => e.studyInstanceUid).sort()).toEqual([jpeg.studyUid, j2k.studyUid].sort());
  });

  it('answers Out of Resources (A700) while the PACS of record is unreachable, and publishes nothing', async () => {
    const { port, service } = await startDimseIngest(world, MODALITY, { DICOMWEB_URL: `http://127.0.0.1:${await freePort()}/dicom-web` });
    const study = chestCtStudy(2);
    const files = writeTempFiles(study.instances);
    try {
      // -v: storescu reports each response status (it exits 0 whatever the status said).
      const run = await storescu(port, files.files, { callingAe: MODALITY, calledAe: AE, extra: ['-v'] });
      expect(run.output).toContain('Received Store Response (Refused: OutOfResources)');
    } finally {
      files.cleanup();
    }
    expect(await pacs.searchInstances({}, study.studyUid)).toHaveLength(0);
    expect(await metric(service, 'ingest_errors_total', 'stage="dimse"')).toBeGreaterThanOrEqual(1);
    expect(publishedVersions(world, study.studyUid)).toEqual([]);
  });

  it('refuses a 64 MiB deflate bomb sent Deflated by storescu with C000 and DICOM_TOO_LARGE, and keeps serving', async () => {
    const { port, service } = await startDimseIngest(world);
    const bomb = deflatedInstance(4_096, 8_192, { sopInstanceUid: `2.25.${Date.now()}${process.pid}` });
    const files = writeTempFiles([bomb.part10]);
    try {
      // -xd: storescu proposes Deflated Explicit VR Little Endian first, so the bomb travels deflated (~65 KB)
      const run = await storescu(port, files.files, { callingAe: MODALITY, calledAe: AE, extra: ['-v', '-xd'] });
      expect(run.output).toMatch(/Converting transfer syntax: Deflated Explicit VR Little Endian -> Deflated Explicit VR Little Endian/);
      expect(run.output).toContain('Received Store Response (Error: CannotUnderstand)');
    } finally {
      files.cleanup();
    }
    expect(await pacs.searchInstances({}, bomb.studyInstanceUid)).toHaveLength(0);
    expect(await metric(service, 'ingest_errors_total', 'code="DICOM_TOO_LARGE"')).toBe(1);

    // the same receiver, the next association: an ordinary study is stored and published
    const study = cxrStudy('cxrPa');
    const next = writeTempFiles(study.instances);
    try {
      const run = await storescu(port, next.files, { callingAe: MODALITY, calledAe: AE, extra: ['-xy'] });
      expect(run.code === 0 ? 'stored' : run.output).toBe('stored');
    } finally {
      next.cleanup();
    }
    expect(about(await events(world, 1), [study.studyUid])).toHaveLength(1);
  });

  it("receives Orthanc's own C-STORE (Orthanc as the sending PACS)", async () => {
    const { port } = await startDimseIngest(world, 'LUNGFLOW'); // Orthanc's DicomAet in deploy/local
    const study = cxrStudy('cxrJ2k');
    await pacs.storeInstances(study.instances);
    const modality = `lungflow-ingest-${world.pacsId}`;
    expect((await orthanc(`/modalities/${modality}`, { method: 'PUT', body: JSON.stringify({ AET: AE, Host: '127.0.0.1', Port: port }) })).ok).toBe(true);
    try {
      const [orthancStudy] = (await (await orthanc('/tools/find', { method: 'POST', body: JSON.stringify({ Level: 'Study', Query: { StudyInstanceUID: study.studyUid } }) })).json()) as string[];
      const store = await orthanc(`/modalities/${modality}/store`, { method: 'POST', body: JSON.stringify({ Resources: [orthancStudy], Synchronous: true }) });
      expect(store.status).toBe(200);
      const mine = about(await events(world, 1), [study.studyUid]);
      expect(mine).toHaveLength(1);
      expect(mine[0].source).toBe('dimse');
    } finally {
      await orthanc(`/modalities/${modality}`, { method: 'DELETE' });
    }
    await until(async () => publishedVersions(world, study.studyUid).length === 1, 10_000, 'one version');
  });
});
