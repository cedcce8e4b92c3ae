import { pacs, stack, about, events, logOf, metric, newWorld, publishedVersions, startIngest, stopAll, until } from './harness';
import type { TestWorld } from './harness';
import { chestCtStudy, cxrStudy } from './fixtures';
import type { TestStudy } from './fixtures';

// Real Orthanc, Kafka and Redis of deploy/local (npm run stack:up). Each test has its own topic and Redis prefix.
jest.setTimeout(120_000);

async function store(...studies: TestStudy[]): Promise<void> {
  for (const study of studies) await pacs.storeInstances(study.instances);
}

function countBy(values: string[]): Record<string, number> {
  return values.reduce<Record<string, number>>((acc, v) => ({ ...acc, [v]: (acc[v] ?? 0) + 1 }), {});
}

describe('ingest on the real stack: completeness, restarts, replicas, versions', () => {
  let world: TestWorld;
  beforeEach(async () => {
    world = await newWorld();
  });
  afterEach(async () => {
    await stopAll(world);
  });

  it('turns N stored chest studies into exactly N events', async () => {
    const service = await startIngest(world);
    const studies = [cxrStudy('cxrPa'), cxrStudy('cxrJ2k'), chestCtStudy(3)];
    await store(...studies);
    const uids = studies.map((s) => s.studyUid);
    const mine = about(await events(world, studies.length), uids);
    expect(countBy(mine.map((e) => e.studyInstanceUid))).toEqual(Object.fromEntries(uids.map((uid) => [uid, 1])));
    const ct = mine.find((e) => e.studyInstanceUid === studies[2].studyUid);
    expect(ct).toMatchObject({ studyVersion: 1, modalities: ['CT'], instanceCount: 3, sourcePacsId: world.pacsId, source: 'orthanc-changes' });
    expect(ct?.series[0].kind).toBe('ct');
    expect(mine.find((e) => e.studyInstanceUid === studies[0].studyUid)?.series[0]).toMatchObject({ modality: 'CR', kind: 'cxr', bodyPartExamined: 'CHEST' });
    expect(await metric(service, 'ingest_studies_published_total')).toBeGreaterThanOrEqual(3);
  });

  it('misses nothing and repeats nothing when stopped half-way and started again', async () => {
    await startIngest(world);
    const before = [cxrStudy('cxrPa'), cxrStudy('cxrJ2k')];
    await store(...before);
    await until(async () => before.every((s) => publishedVersions(world, s.studyUid).length > 0), 30_000, 'the first two studies');
    // A CT: a single-image radiograph is published right after ingest's short settle (no quiet period to stop in).
    const pendingAtStop = chestCtStudy(3);
    await store(pendingAtStop);
    await until(async () => logOf(world, pendingAtStop.studyUid, 'study seen').length > 0, 10_000, 'the third study to be seen');
    expect(publishedVersions(world, pendingAtStop.studyUid)).toEqual([]);
    await stopAll(world); // the third study is inside its quiet period: pending in Redis only
    const whileDown = chestCtStudy(3);
    await store(whileDown); // only Orthanc's change feed knows about it
    // Past Orthanc's StableAge, so even its StableStudy change is history: only the persisted cursor can find it.
    await new Promise((resolve) => setTimeout(resolve, (stack.stableAgeSeconds + 2) * 1_000));
    await startIngest(world);
    const all = [...before, pendingAtStop, whileDown].map((s) => s.studyUid);
    const mine = about(await events(world, 4), all);
    expect(countBy(mine.map((e) => e.studyInstanceUid))).toEqual(Object.fromEntries(all.map((uid) => [uid, 1])));
  });

  it('publishes each study once with two replicas running at once', async () => {
    const [a, b] = [await startIngest(world), await startIngest(world)];
    const studies = [cxrStudy('cxrPa'), cxrStudy('cxrJ2k'), cxrStudy('cxrPa'), chestCtStudy(3)];
    await store(...studies);
    const uids = studies.map((s) => s.studyUid);
    const mine = about(await events(world, studies.length), uids);
    expect(countBy(mine.map((e) => e.studyInstanceUid))).toEqual(Object.fromEntries(uids.map((uid) => [uid, 1])));
    // Both replicas took part in discovering studies (both poll the same feed); together they published each once.
    expect((await metric(a, 'ingest_studies_published_total')) + (await metric(b, 'ingest_studies_published_total'))).toBeGreaterThanOrEqual(4);
  });

  it('gives a late series one new version carrying the whole study', async () => {
    await startIngest(world);
    const study = cxrStudy('cxrPa');
    await store(study);
    await until(async () => publishedVersions(world, study.studyUid).length > 0, 30_000, 'version 1');
    const late = cxrStudy('cxrJ2k', study.studyUid);
    await store(late);
    const mine = about(await events(world, 2), [study.studyUid]);
    expect(mine.map((e) => [e.studyVersion, e.instanceCount, e.series.length])).toEqual([[1, 1, 1], [2, 2, 2]]);
    expect(mine[1].contentHash).not.toBe(mine[0].contentHash);
  });
});
