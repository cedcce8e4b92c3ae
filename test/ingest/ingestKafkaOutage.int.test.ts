import { about, events, logOf, newWorld, pacs, publishedVersions, startIngest, stopAll, until } from './harness';
import type { TestWorld } from './harness';
import { cxrStudy } from './fixtures';

// Real Orthanc, Kafka and Redis of deploy/local. The outage is played by pointing one ingest at a closed port: the
// shared broker itself is never stopped.
jest.setTimeout(120_000);

describe('ingest on the real stack: Kafka unreachable', () => {
  let world: TestWorld;
  beforeEach(async () => {
    world = await newWorld();
  });
  afterEach(async () => {
    await stopAll(world);
  });

  it('acknowledges nothing while Kafka is unreachable, and publishes once when a replica can reach it', async () => {
    const cut = await startIngest(world, { KAFKA_BROKERS: '127.0.0.1:1' });
    const study = cxrStudy('cxrPa');
    await pacs.storeInstances(study.instances);
    const failedPublish = () => logOf(world, study.studyUid, 'study look failed; will retry').filter((line) => line.code === 'KAFKA_UNAVAILABLE');
    await until(async () => failedPublish().length >= 1, 60_000, 'a failed publish');
    expect(publishedVersions(world, study.studyUid)).toEqual([]); // nothing acknowledged: the look stays pending
    const ready = await cut.app.inject('/readyz');
    expect(ready.statusCode).toBe(503);
    expect(ready.json().checks.kafka.ok).toBe(false);
    await stopAll(world);

    await startIngest(world); // same Redis state, a broker it can reach
    const mine = about(await events(world, 1), [study.studyUid]);
    expect(mine.map((e) => e.studyVersion)).toEqual([1]);
    expect(publishedVersions(world, study.studyUid)).toEqual([1]);
  });
});
