import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { TOPICS, decodeMessage, encodeMessage, inferenceCompleted, studyReceived, type StudyReceived } from '@lungflow/contracts';
import { attr, readPart10 } from '@lungflow/dicom';
import { DicomWebClient } from '@lungflow/dicomweb';
import { readRetained } from '@lungflow/kafka';
import { createRedis } from '@lungflow/redis';
import { inferSettings } from '../../services/infer/src/config';
import { doneKeyOf } from '../../services/infer/src/handlers/studyReceived';
import { chestCtStudy } from '../ingest/fixtures';
import { freePort } from '../helpers/dcmtk';
import { testKafka } from '../helpers/kafka';
import { PacsProxy } from '../helpers/PacsProxy';
import { REPO_ROOT } from '../helpers/paths';
import { stackSettings } from '../helpers/stackSettings';

/**
 * Issue 16 item 11: infer's "crash" in the unit tests is an error thrown into the handler, which runs every
 * `finally` and leaves the process whole. Here the service itself (services/infer/dist, `npm run build` first) is
 * killed with SIGKILL in the middle of a study (its PACS reads slowed down by a proxy so that the kill lands inside
 * the analysis), and a second process of the same deployment (same consumer group and Redis prefix) must publish
 * exactly one inference.completed for it. Real Orthanc, Kafka and Redis of deploy/local; the real topics, read from
 * their current end only. The stack's own infer (group lungflow-infer) reads the same topic: it is told beforehand,
 * through its de-dup key, that this study is done, so every inference.completed counted here is this deployment's.
 */
jest.setTimeout(240_000);

const stack = stackSettings();
const kafka = testKafka('lungflow-infer-kill9-test');
const pacs = new DicomWebClient({ baseUrl: stack.dicomwebUrl, auth: { username: stack.username, password: stack.password } });

function eventOf(instances: readonly Uint8Array[]): StudyReceived {
  const parsed = instances.map((bytes) => readPart10(bytes));
  const study = attr.string(parsed[0]!.dataset, 'StudyInstanceUID') as string;
  const series = attr.string(parsed[0]!.dataset, 'SeriesInstanceUID') as string;
  const base = `${stack.dicomwebUrl}/studies/${study}`;
  return {
    schemaVersion: 1,
    studyInstanceUid: study,
    studyVersion: 1,
    contentHash: randomUUID().replace(/-/g, '').repeat(2),
    modalities: ['CT'],
    bodyParts: [],
    instanceCount: parsed.length,
    series: [{
      seriesInstanceUid: series, modality: 'CT', kind: 'ct', instanceCount: parsed.length, wadoRsUrl: `${base}/series/${series}`,
      instances: parsed.map((p) => ({ sopInstanceUid: p.sopInstanceUid as string, sopClassUid: p.sopClassUid as string, numberOfFrames: 1, wadoRsUrl: `${base}/series/${series}/instances/${p.sopInstanceUid}` })),
    }],
    wadoRsUrl: base,
    receivedAt: new Date().toISOString(),
    sourcePacsId: 'orthanc-local',
    source: 'stow',
    traceId: randomUUID(),
  };
}

interface InferProcess {
  child: ChildProcess;
  output: () => string;
}

async function startInfer(env: Record<string, string>): Promise<InferProcess> {
  let output = '';
  const child = spawn(process.execPath, [join(REPO_ROOT, 'services/infer/dist/main.js')], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', ...(process.env.LUNGFLOW_SHARED_DIR ? { LUNGFLOW_SHARED_DIR: process.env.LUNGFLOW_SHARED_DIR } : {}), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  const deadline = Date.now() + 120_000;
  while (!output.includes('"infer started"')) {
    if (child.exitCode !== null) throw new Error(`infer exited with ${child.exitCode}:\n${output.slice(-2_000)}`);
    if (Date.now() > deadline) throw new Error(`infer did not start:\n${output.slice(-2_000)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { child, output: () => output };
}

async function kill9(infer: InferProcess): Promise<void> {
  if (infer.child.exitCode !== null || infer.child.signalCode !== null) return;
  const exited = new Promise((resolve) => infer.child.once('exit', resolve));
  infer.child.kill('SIGKILL');
  await exited;
}

/** The inference.completed events of one study on the real topic, from the offsets taken before the test. */
async function completedFor(studyInstanceUid: string, from: Map<number, bigint>): Promise<number> {
  let count = 0;
  await readRetained(kafka, TOPICS.inferenceCompleted.name, {
    onRecord: ({ partition, offset, key, value }) => {
      if (BigInt(offset) < (from.get(partition) ?? 0n)) return;
      try {
        if (decodeMessage(inferenceCompleted, key, value).value.studyInstanceUid === studyInstanceUid) count += 1;
      } catch {
        // another producer's malformed record: not ours
      }
    },
  });
  return count;
}

describe('infer killed with SIGKILL in the middle of a study (issue 16 item 11)', () => {
  const admin = kafka.admin();
  const started: InferProcess[] = [];
  let proxy: PacsProxy | undefined;
  beforeAll(() => admin.connect());
  afterAll(async () => {
    for (const infer of started) await kill9(infer);
    await proxy?.stop();
    await admin.disconnect();
  });

  it('is redone by the next process of the deployment, which publishes exactly one inference.completed', async () => {
    const study = chestCtStudy(6);
    await pacs.storeInstances(study.instances);
    const event = eventOf(study.instances);
    const group = `infer-kill9-test-${randomUUID()}`;
    const received = TOPICS.studyReceived.name;
    // The new group starts at the topic's current end: only this test's message is its to take.
    const receivedEnd = await admin.fetchTopicOffsets(received);
    await admin.setOffsets({ groupId: group, topic: received, partitions: receivedEnd.map((p) => ({ partition: p.partition, offset: p.high })) });
    const completedFrom = new Map((await admin.fetchTopicOffsets(TOPICS.inferenceCompleted.name)).map((p) => [p.partition, BigInt(p.high)]));
    // Seen in CI: the stack's infer analysed the study at full speed and its result was counted as the killed one's.
    const redis = createRedis(stack.redisUrl, { name: 'infer-kill9-test' });
    try {
      await redis.set(doneKeyOf(inferSettings.shape.INFER_REDIS_PREFIX.parse(undefined), event), 'done', 'PX', 600_000); // the stack's infer: default prefix
    } finally {
      redis.disconnect();
    }

    proxy = new PacsProxy(0, stack.orthancHttpPort, 'slow');
    proxy.latencyMs = 1_500; // each 64 KiB chunk of each slice: a 512 KiB slice takes over 10 s to read
    proxy.recordRequests = true;
    await proxy.start();
    const base = {
      DICOMWEB_USERNAME: stack.username,
      DICOMWEB_PASSWORD: stack.password,
      KAFKA_BROKERS: stack.kafkaBrokers.join(','),
      REDIS_URL: stack.redisUrl,
      INFER_CONSUMER_GROUP: group,
      INFER_REDIS_PREFIX: `lungflow:infer-kill9-test:${randomUUID()}:`,
      INFER_CREATE_TOPICS: 'false',
      INFER_RETRY_INITIAL_MS: '200',
      INFER_RETRY_MAX_MS: '1000',
    };
    const first = await startInfer({ ...base, INFER_HTTP_PORT: String(await freePort()), DICOMWEB_URL: `http://127.0.0.1:${proxy.port}/dicom-web` });
    started.push(first);

    const producer = kafka.producer();
    await producer.connect();
    const message = encodeMessage(studyReceived, { studyInstanceUid: event.studyInstanceUid }, event);
    await producer.send({ topic: received, messages: [message] });
    await producer.disconnect();
    // Inside the analysis: kill once the process is reading this study through the slowed PACS (not after a fixed
    // wait, whose fit depends on the machine's speed), with nothing published or committed yet.
    const reading = () => proxy!.requests.some((line) => line.includes(`/studies/${event.studyInstanceUid}/`));
    for (const until = Date.now() + 120_000; !reading() && Date.now() < until; ) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(reading()).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await completedFor(event.studyInstanceUid, completedFrom)).toBe(0);
    await kill9(first);
    expect(first.child.signalCode).toBe('SIGKILL');
    expect(first.output()).not.toContain('"inference completed"');

    const second = await startInfer({ ...base, INFER_HTTP_PORT: String(await freePort()), DICOMWEB_URL: stack.dicomwebUrl });
    started.push(second);
    const deadline = Date.now() + 120_000;
    while (!second.output().includes('"inference completed"') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 500));
    expect(second.output()).toContain('"inference completed"');
    // committed past the message: nothing is left to redo, and one result in all
    const committed = async () => (await admin.fetchOffsets({ groupId: group, topics: [received] }))[0]!.partitions;
    const end = new Map(receivedEnd.map((p) => [p.partition, BigInt(p.high)]));
    const moved = async () => (await committed()).some((p) => BigInt(p.offset) > (end.get(p.partition) ?? 0n));
    for (const until = Date.now() + 30_000; !(await moved()) && Date.now() < until; ) await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await moved()).toBe(true);
    expect(await completedFor(event.studyInstanceUid, completedFrom)).toBe(1);
    await kill9(second);
  });
});
