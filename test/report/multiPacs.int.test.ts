import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Kafka } from 'kafkajs';
import { deadLetter, inferenceCompleted, reportStored } from '@lungflow/contracts';
import { loadConfig, commonSettings } from '@lungflow/config';
import { DicomWebClient } from '@lungflow/dicomweb';
import { EventProducer } from '@lungflow/kafka';
import { createRedis } from '@lungflow/redis';
import type { Redis } from '@lungflow/redis';
import { RoutedPacsReader } from '../../services/infer/src/pacs/routedPacsReader';
import { build } from '../../services/report/src/app';
import type { ReportService } from '../../services/report/src/app';
import { loadReportConfig } from '../../services/report/src/config';
import { newUid, rewriteDicom } from '../helpers/dicomFixtures';
import { createTestTopic, testKafka, waitForMessages } from '../helpers/kafka';
import { REPO_ROOT } from '../helpers/paths';
import { completedEvent } from '../helpers/reportEvents';
import { stackSettings } from '../helpers/stackSettings';

// Two real Orthanc instances in one run (deploy/local's `orthanc` and the optional `orthanc2`, started here): a
// study from the second PACS is read from it and its SR + SC go back to it (by C-STORE, its configured `store`),
// never to the first; an event naming an unknown PACS is dead-lettered.
jest.setTimeout(240_000);

const stack = stackSettings();
const orthanc2HttpPort = Number(process.env.ORTHANC2_HTTP_PORT || 8044);
const orthanc2DicomPort = Number(process.env.ORTHANC2_DICOM_PORT || 4244);
const auth = { username: stack.username, password: stack.password };
const urls = { one: stack.dicomwebUrl, two: `http://127.0.0.1:${orthanc2HttpPort}/dicom-web` };
const pacsOne = new DicomWebClient({ baseUrl: urls.one, auth });
const pacsTwo = new DicomWebClient({ baseUrl: urls.two, auth });

const LUNGFLOW_PACS = JSON.stringify([
  { id: 'pacs-one', dicomWebUrl: urls.one, ...auth },
  { id: 'pacs-two', dicomWebUrl: urls.two, ...auth, store: 'dimse', dimse: { host: '127.0.0.1', port: orthanc2DicomPort, aeTitle: 'LUNGFLOW' } },
]);

function stackUp(component: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('bash', [path.join(REPO_ROOT, 'deploy/local/stack.sh'), 'up', component], { timeout: 180_000 }, (error, stdout, stderr) => (error ? reject(new Error(`${stdout}${stderr}`)) : resolve()));
  });
}

describe('more than one PACS: reads and results follow sourcePacsId', () => {
  const topics = { inferenceCompleted: '', reportStored: '', deadLetter: '' };
  const study = { studyUid: newUid(), seriesUid: newUid(), sopUid: newUid() };
  let kafka: Kafka;
  let producer: EventProducer;
  let redis: Redis;
  let service: ReportService;

  beforeAll(async () => {
    await stackUp('orthanc2');
    kafka = testKafka('lungflow-multi-pacs-test');
    for (const name of Object.keys(topics) as Array<keyof typeof topics>) topics[name] = await createTestTopic(kafka, undefined, 1);
    producer = new EventProducer(kafka, topics);
    // The source study lives in the second PACS only.
    const source = rewriteDicom(readFileSync(path.join(REPO_ROOT, 'samples/LF-DEMO-0003.dcm')), study);
    await pacsTwo.storeInstances([source], study.studyUid);

    redis = createRedis(stack.redisUrl, { keyPrefix: `lungflow:test:multipacs:${randomUUID()}:` });
    const config = loadReportConfig({
      REDIS_URL: stack.redisUrl,
      KAFKA_BROKERS: stack.kafkaBrokers.join(','),
      LUNGFLOW_PACS,
      REPORT_CONSUMER_GROUP: `test-multipacs-${randomUUID()}`,
      REPORT_MAX_ATTEMPTS: '2',
      LOG_LEVEL: 'silent',
    });
    service = await build(config, { kafka, topicNames: topics, redis });
    await service.start();
  });

  afterAll(async () => {
    await service?.stop();
    await producer?.disconnect();
    await redis?.quit();
  });

  it('infer reads the study from the PACS it came from', async () => {
    const reader = new RoutedPacsReader(loadConfig(commonSettings, { LUNGFLOW_PACS }));
    const instance = await reader.forPacs('pacs-two').readInstance(study.studyUid, study.seriesUid, study.sopUid, 1);
    expect(instance.sopInstanceUid).toBe(study.sopUid);
    await expect(reader.forPacs('pacs-one').readInstance(study.studyUid, study.seriesUid, study.sopUid, 1)).rejects.toMatchObject({ status: 404 });
  });

  it('report writes SR + SC back to that PACS (C-STORE there), not to the other, with its WADO-RS URLs', async () => {
    await producer.send(inferenceCompleted, { studyInstanceUid: study.studyUid }, completedEvent(study, 'pacs-two'));
    const [stored] = await waitForMessages(kafka, reportStored, topics.reportStored, { count: 1, timeoutMs: 60_000 });
    expect(stored?.value).toMatchObject({ studyInstanceUid: study.studyUid, sourcePacsId: 'pacs-two' });
    expect(stored?.value.sr.wadoRsUrl.startsWith(`${urls.two}/studies/${study.studyUid}/`)).toBe(true);
    const inTwo = (await pacsTwo.searchInstances({}, study.studyUid)).map((json) => (json['00080018']?.Value?.[0] as string) ?? '');
    expect(inTwo.sort()).toEqual([study.sopUid, stored?.value.sr.sopInstanceUid, stored?.value.secondaryCaptures[0]?.sopInstanceUid].sort());
    expect(await pacsOne.searchInstances({}, study.studyUid)).toHaveLength(0);
  });

  it('dead-letters an event from a PACS that is not configured, naming it', async () => {
    await producer.send(inferenceCompleted, { studyInstanceUid: study.studyUid }, { ...completedEvent(study, 'pacs-three'), studyVersion: 2 });
    const [letter] = await waitForMessages(kafka, deadLetter, topics.deadLetter, { count: 1, timeoutMs: 60_000 });
    expect(letter?.value).toMatchObject({ errorCode: 'PACS_UNKNOWN' });
    expect(letter?.value.reason).toContain('pacs-three');
  });
});
