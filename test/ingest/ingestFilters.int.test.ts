import { buildMultipart } from '@lungflow/dicomweb';
import { Cable, QUIET_MS, about, events, filteredReasons, metric, newWorld, pacs, publishedVersions, stack, startIngest, stopAll, until } from './harness';
import type { TestWorld } from './harness';
import { cxrStudy, headCtStudy, lungflowResults, nonImageStudy, oursStudy, today } from './fixtures';

// Real Orthanc, Kafka and Redis of deploy/local (npm run stack:up). Each test has its own topic and Redis prefix.
jest.setTimeout(120_000);

describe('ingest on the real stack: filtering, push, QIDO, PACS outage', () => {
  let world: TestWorld;
  beforeEach(async () => {
    world = await newWorld();
  });
  afterEach(async () => {
    await stopAll(world);
  });

  it('publishes nothing for LungFlow output, a head CT or a non-image object, and counts each reason', async () => {
    const service = await startIngest(world);
    const analysed = cxrStudy('cxrPa');
    await pacs.storeInstances(analysed.instances);
    await until(async () => publishedVersions(world, analysed.studyUid).length > 0, 30_000, 'the analysed study');
    // Our real SR and SC written back into the analysed study, a chest image carrying our equipment identity as a
    // study of its own, a head CT, a non-image object.
    await pacs.storeInstances(lungflowResults(analysed.instances[0]));
    const oursAlone = oursStudy();
    const head = headCtStudy(3);
    const sr = nonImageStudy();
    for (const study of [oursAlone, head, sr]) await pacs.storeInstances(study.instances);
    const mineFiltered = () => [analysed, oursAlone, head, sr].map((s) => filteredReasons(world, s.studyUid).sort());
    await until(async () => mineFiltered().flat().length >= 5, 30_000, 'five filtered series');
    await new Promise((resolve) => setTimeout(resolve, 3 * QUIET_MS)); // room for a wrong extra version to appear

    const [inAnalysed, alone, headCt, nonImage] = mineFiltered();
    // Our SR and SC; the stack's own services, when running, analyse the same chest study within seconds (a
    // single-image radiograph waits no quiet period) and add theirs: every one is filtered, none gives a version.
    expect(inAnalysed.length).toBeGreaterThanOrEqual(2);
    expect([...new Set(inAnalysed)]).toEqual(['lungflow-output']);
    expect(alone).toEqual(['lungflow-output']);
    expect(headCt).toHaveLength(1);
    expect(['body-part', 'body-part-unknown']).toContain(headCt[0]); // its only text is "5/5mm Plain"
    expect(nonImage).toEqual(['not-an-image']);
    expect(publishedVersions(world, analysed.studyUid)).toEqual([1]);
    for (const study of [oursAlone, head, sr]) expect(publishedVersions(world, study.studyUid)).toEqual([]);
    const mine = about(await events(world, 1, QUIET_MS), [analysed.studyUid, oursAlone.studyUid, head.studyUid, sr.studyUid]);
    expect(mine.map((e) => [e.studyInstanceUid, e.studyVersion])).toEqual([[analysed.studyUid, 1]]);
    // Each reason is counted (the metric also counts other engineers' studies on the shared PACS, hence >=).
    expect(await metric(service, 'ingest_series_filtered_total', 'reason="lungflow-output"')).toBeGreaterThanOrEqual(3);
    expect(await metric(service, 'ingest_series_filtered_total', 'reason="not-an-image"')).toBeGreaterThanOrEqual(1);
    expect(await metric(service, 'ingest_series_filtered_total', `reason="${headCt[0]}"`)).toBeGreaterThanOrEqual(1);
    expect(await metric(service, 'ingest_studies_filtered_total')).toBeGreaterThanOrEqual(3);
  });

  it('accepts a STOW-RS push, forwards it to the PACS of record, and publishes it', async () => {
    const service = await startIngest(world, { INGEST_MODE: 'none' });
    await service.app.listen({ host: '127.0.0.1', port: 0 });
    const port = (service.app.server.address() as { port: number }).port;
    const study = cxrStudy('cxrJ2k');
    const body = buildMultipart(study.instances.map((b) => ({ body: new Uint8Array(b), contentType: 'application/dicom' })), { type: 'application/dicom' });
    const response = await fetch(`http://127.0.0.1:${port}/dicom-web/studies`, { method: 'POST', headers: { 'content-type': body.contentType }, body: Buffer.from(body.body) });
    expect(response.status).toBe(200);
    const mine = about(await events(world, 1), [study.studyUid]);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ source: 'stow', instanceCount: 1 });
    const sop = mine[0].series[0].instances[0];
    const stored = await pacs.retrieveInstanceMetadata(study.studyUid, mine[0].series[0].seriesInstanceUid, sop.sopInstanceUid);
    expect(stored).toHaveLength(1); // the PACS of record holds it
  });

  it('finds studies by QIDO-RS polling on a generic DICOMweb PACS', async () => {
    await startIngest(world, { INGEST_MODE: 'qido' });
    const study = cxrStudy('cxrPa', undefined, { StudyDate: today() });
    await pacs.storeInstances(study.instances);
    const mine = about(await events(world, 1), [study.studyUid]);
    expect(mine.map((e) => [e.source, e.studyVersion])).toEqual([['qido', 1]]);
  });

  it('says not ready while the PACS is unreachable, and loses nothing when it returns', async () => {
    const cable = new Cable(stack.orthancHttpPort);
    await cable.connect();
    const viaCable = `http://127.0.0.1:${cable.port}`;
    const service = await startIngest(world, { DICOMWEB_URL: `${viaCable}/dicom-web`, DICOMWEB_TIMEOUT_MS: '1000' });
    expect((await service.app.inject('/readyz')).statusCode).toBe(200);
    await cable.cut();
    const study = cxrStudy('cxrPa');
    await pacs.storeInstances(study.instances); // straight into Orthanc, while ingest cannot reach it
    await until(async () => (await service.app.inject('/readyz')).statusCode === 503, 15_000, 'readiness to fail');
    const ready = await service.app.inject('/readyz');
    expect(ready.json().checks.pacs.ok).toBe(false);
    await until(async () => (await metric(service, 'ingest_errors_total', 'stage="poll"')) >= 1, 15_000, 'a failed poll');
    await cable.connect();
    const mine = about(await events(world, 1), [study.studyUid]);
    expect(mine).toHaveLength(1);
    expect((await service.app.inject('/readyz')).statusCode).toBe(200);
    await cable.cut();
  });
});
