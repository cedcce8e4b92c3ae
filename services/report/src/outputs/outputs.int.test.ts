import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Kafka } from 'kafkajs';
import { deadLetter, inferenceCompleted, reportStoredV2 } from '@lungflow/contracts';
import { DicomWebClient } from '@lungflow/dicomweb';
import { EventProducer } from '@lungflow/kafka';
import { createRedis, type Redis } from '@lungflow/redis';
import { newUid, rewriteDicom } from '../../../../test/helpers/dicomFixtures';
import { createTestTopic, testKafka, waitForMessages } from '../../../../test/helpers/kafka';
import { stackSettings } from '../../../../test/helpers/stackSettings';
import { build, type ReportService } from '../app';
import { loadReportConfig } from '../config';
import { completedEvent, cxrModel } from '../testing/completedEvent';
import { resultIdentifier } from './fhir/fhirResources';
import { messageControlId } from './hl7/oruMessage';
import { OrthancPriority } from './priority/orthancPriority';

/**
 * The result outputs on real peers: Orthanc, Kafka and Redis of the local stack plus its optional `ris` (HAPI HL7v2
 * MLLP receiver) and `fhir` (HAPI FHIR R4 server, validating every write against the R4 base profiles), all
 * started by deploy/local/stack.sh (`stack.sh up ris fhir`). Topics, consumer groups and the Redis prefix are the
 * test's own. The report service runs in this process so it can be restarted.
 */
jest.setTimeout(240_000);

const REPO = path.resolve(__dirname, '../../../..');
const stack = stackSettings();
const RIS_PORT = Number(process.env.RIS_MLLP_PORT ?? 2575);
const FHIR_URL = `http://127.0.0.1:${Number(process.env.FHIR_HTTP_PORT ?? 8090)}/fhir`;
const RIS_FILE = process.env.RIS_MESSAGES_FILE ?? path.join(process.env.LUNGFLOW_STATE_DIR ?? path.join(REPO, '.lungflow'), 'ris/messages.hl7');

/** The messages the real RIS stand-in accepted, each its segments (one per line). */
function risMessages(): string[][] {
  if (!existsSync(RIS_FILE)) return [];
  return readFileSync(RIS_FILE, 'utf8').split('\n\n').filter(Boolean).map((m) => m.split('\n'));
}
const withControlId = (id: string) => risMessages().filter((m) => m[0]?.split('|')[9] === id);

async function fhirSearch(type: string, identifier: { system: string; value: string }): Promise<{ total: number; entry?: { resource: Record<string, unknown> }[] }> {
  const response = await fetch(`${FHIR_URL}/${type}?identifier=${encodeURIComponent(`${identifier.system}|${identifier.value}`)}`, { headers: { Accept: 'application/fhir+json' } });
  expect(response.status).toBe(200);
  return (await response.json()) as never;
}

const PROBABILITIES = { covid19: 0.71, other_pneumonia: 0.19, no_finding: 0.1 };

const until = async (what: string, ms: number, probe: () => Promise<boolean> | boolean) => {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
};

describe('result outputs: HL7 v2 ORU over MLLP, FHIR R4, priority in Orthanc (real peers)', () => {
  const id = randomUUID().slice(0, 8);
  const groups = { report: `test-report-${id}`, hl7: `test-hl7-${id}`, fhir: `test-fhir-${id}`, priority: `test-priority-${id}` };
  const topics = { inferenceCompleted: '', reportStored: '', reportStoredV2: '', deadLetter: '' };
  const withAccession = { studyUid: newUid(), seriesUid: newUid(), sopUid: newUid(), accession: `LF${id}` };
  const withoutAccession = { studyUid: newUid(), seriesUid: newUid(), sopUid: newUid() };
  let kafka: Kafka;
  let producer: EventProducer;
  let redis: Redis;
  let service: ReportService;
  let config: ReturnType<typeof loadReportConfig>;
  const orthanc = new OrthancPriority({ baseUrl: stack.orthancUrl, username: stack.username, password: stack.password, metadataName: 'LungFlowPriority', timeoutMs: 10_000 });

  const committed = async (groupId: string): Promise<number> => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const [entry] = await admin.fetchOffsets({ groupId, topics: [topics.reportStoredV2] });
      return Number(entry?.partitions[0]?.offset ?? -1);
    } finally {
      await admin.disconnect();
    }
  };
  const start = async () => {
    service = await build(config, { kafka, topicNames: topics, redis });
    await service.start();
  };

  beforeAll(async () => {
    const ris = await fetch(`${FHIR_URL}/metadata`).then((r) => r.ok, () => false);
    if (!ris) throw new Error(`no FHIR server at ${FHIR_URL}: run bash deploy/local/stack.sh up ris fhir`);
    kafka = testKafka('lungflow-outputs-test');
    for (const name of Object.keys(topics) as (keyof typeof topics)[]) topics[name] = await createTestTopic(kafka, undefined, 1);
    producer = new EventProducer(kafka, topics);
    const pacs = new DicomWebClient({ baseUrl: stack.dicomwebUrl, auth: { username: stack.username, password: stack.password } });
    const sample = readFileSync(path.join(REPO, 'samples/LF-DEMO-0003.dcm'));
    await pacs.storeInstances([rewriteDicom(sample, { ...withAccession, set: { AccessionNumber: withAccession.accession } })], withAccession.studyUid);
    await pacs.storeInstances([rewriteDicom(sample, { ...withoutAccession, set: { AccessionNumber: null } })], withoutAccession.studyUid);
    redis = createRedis(stack.redisUrl, { keyPrefix: `lungflow:test:outputs:${id}:` });
    config = loadReportConfig({
      REDIS_URL: stack.redisUrl,
      KAFKA_BROKERS: stack.kafkaBrokers.join(','),
      DICOMWEB_URL: stack.dicomwebUrl,
      DICOMWEB_USERNAME: stack.username,
      DICOMWEB_PASSWORD: stack.password,
      REPORT_CONSUMER_GROUP: groups.report,
      REPORT_HL7_CONSUMER_GROUP: groups.hl7,
      REPORT_FHIR_CONSUMER_GROUP: groups.fhir,
      REPORT_PRIORITY_CONSUMER_GROUP: groups.priority,
      REPORT_RIS_MLLP_HOST: '127.0.0.1',
      REPORT_RIS_MLLP_PORT: String(RIS_PORT),
      REPORT_FHIR_URL: FHIR_URL,
      REPORT_FHIR_TIMEOUT_MS: '60000',
      REPORT_ORTHANC_URL: stack.orthancUrl,
      REPORT_MAX_ATTEMPTS: '3',
      REPORT_RETRY_INITIAL_MS: '200',
      REPORT_RETRY_MAX_MS: '1000',
      LOG_LEVEL: 'silent',
    });
    await start();
  });

  afterAll(async () => {
    await service?.stop();
    await producer?.disconnect();
    await redis?.quit();
  });

  it('sends one ORU the RIS acknowledges, one DiagnosticReport with its Observations, and the priority to Orthanc', async () => {
    await producer.send(inferenceCompleted, { studyInstanceUid: withAccession.studyUid }, completedEvent(withAccession, PROBABILITIES));
    const [stored] = await waitForMessages(kafka, reportStoredV2, topics.reportStoredV2, { count: 1, timeoutMs: 90_000 });
    const result = stored!.value;
    expect(result.result).toMatchObject({ model: cxrModel, decision: { className: 'covid19', positive: true } });

    const controlId = messageControlId(result);
    await until('the ORU in the RIS', 60_000, () => withControlId(controlId).length > 0);
    const oru = withControlId(controlId)[0]!;
    const obr = oru.find((s) => s.startsWith('OBR|'))!.split('|');
    expect(obr[18]).toBe(withAccession.accession);
    expect(obr[27]).toBe('^^^^^S');
    expect(oru.join('\n')).toContain(`|STUDY-UID^Study Instance UID^L||${withAccession.studyUid}|`);
    expect(oru.join('\n')).toContain('triage aid');
    expect(oru.find((s) => s.startsWith('PID|'))).toContain(`test-${withAccession.studyUid.slice(-8)}`);

    await until('the DiagnosticReport', 120_000, async () => (await fhirSearch('DiagnosticReport', resultIdentifier(result))).total === 1);
    const report = (await fhirSearch('DiagnosticReport', resultIdentifier(result))).entry![0]!.resource as { imagingStudy: { reference: string }[]; result: { reference: string }[]; meta: { tag: { code: string }[] } };
    expect(report.meta.tag[0]?.code).toBe('urgent');
    expect(report.result).toHaveLength(4); // decision + three class probabilities
    const study = (await (await fetch(`${FHIR_URL}/${report.imagingStudy[0]!.reference}`)).json()) as { identifier: { value: string }[] };
    expect(study.identifier.map((i) => i.value)).toEqual([`urn:oid:${withAccession.studyUid}`, withAccession.accession]);
    for (const { reference } of report.result) expect((await fetch(`${FHIR_URL}/${reference}`)).status).toBe(200);

    await until('the priority in Orthanc', 30_000, async () => (await orthanc.get(withAccession.studyUid)) === 'urgent');
  });

  it('the server validates against the R4 base profiles: an invalid Observation is refused with 422', async () => {
    const response = await fetch(`${FHIR_URL}/Observation`, { method: 'POST', headers: { 'Content-Type': 'application/fhir+json' }, body: JSON.stringify({ resourceType: 'Observation', status: 'not-a-status', code: { text: 'x' } }) });
    expect(response.status).toBe(422);
  });

  it('after a restart of report and a replay of the result, the RIS and the FHIR server still have it once', async () => {
    const [first] = await waitForMessages(kafka, reportStoredV2, topics.reportStoredV2, { count: 1, timeoutMs: 10_000, settleMs: 0 });
    await until('both outputs committed the first result', 30_000, async () => (await committed(groups.hl7)) === 1 && (await committed(groups.fhir)) === 1);
    await service.stop();
    await start();
    // The same result again (an operator replay, or a redelivery after a crash before report's own commit).
    await producer.send(inferenceCompleted, { studyInstanceUid: withAccession.studyUid }, completedEvent(withAccession, PROBABILITIES));
    await waitForMessages(kafka, reportStoredV2, topics.reportStoredV2, { count: 2, timeoutMs: 90_000 });
    await until('both outputs handled the replay', 120_000, async () => (await committed(groups.hl7)) === 2 && (await committed(groups.fhir)) === 2);
    expect(withControlId(messageControlId(first!.value))).toHaveLength(1);
    expect((await fhirSearch('DiagnosticReport', resultIdentifier(first!.value))).total).toBe(1);
    expect((await fhirSearch('Observation', resultIdentifier(first!.value, '/decision'))).total).toBe(1);
  });

  it('a result the RIS answers AE for is dead-lettered by the HL7 output alone; FHIR still gets it', async () => {
    await producer.send(inferenceCompleted, { studyInstanceUid: withoutAccession.studyUid }, completedEvent(withoutAccession, PROBABILITIES));
    const [letter] = await waitForMessages(kafka, deadLetter, topics.deadLetter, { count: 1, timeoutMs: 120_000 });
    expect(letter?.value).toMatchObject({ errorCode: 'HL7_ACK_AE', service: groups.hl7, attempts: 1, original: { topic: topics.reportStoredV2 } });
    expect(letter?.value.reason).toContain(withoutAccession.studyUid);
    const stored = (await waitForMessages(kafka, reportStoredV2, topics.reportStoredV2, { count: 3, timeoutMs: 10_000 }))[2]!.value;
    await until('the DiagnosticReport of the study without accession', 120_000, async () => (await fhirSearch('DiagnosticReport', resultIdentifier(stored))).total === 1);
    await until('the HL7 output moved on past the dead letter', 30_000, async () => (await committed(groups.hl7)) === 3);
  });
});
