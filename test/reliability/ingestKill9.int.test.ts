import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { TOPICS, decodeMessage, studyReceived } from '@lungflow/contracts';
import { DicomWebClient } from '@lungflow/dicomweb';
import { readRetained } from '@lungflow/kafka';
import { chestCtStudy } from '../ingest/fixtures';
import { freePort } from '../helpers/dcmtk';
import { testKafka } from '../helpers/kafka';
import { REPO_ROOT } from '../helpers/paths';
import { stackSettings } from '../helpers/stackSettings';

/**
 * Issue 16 item 11: ingest's "restart" in test/ingest is a graceful stop (its shutdown hooks run). Here the service
 * itself (services/ingest/dist, `npx tsc -b` first) is killed with SIGKILL while a study waits out its quiet period
 * (seen, tracked in Redis, not published), a second study is stored while no ingest runs, and the next process of
 * the deployment (same Redis prefix and PACS id) must publish each of them exactly once. Real Orthanc, Kafka and
 * Redis of deploy/local; the real study.received topic, read from its end before the test.
 */
jest.setTimeout(180_000);

const stack = stackSettings();
const kafka = testKafka('lungflow-ingest-kill9-test');
const pacs = new DicomWebClient({ baseUrl: stack.dicomwebUrl, auth: { username: stack.username, password: stack.password } });
const QUIET_MS = 6_000;

interface IngestProcess {
  child: ChildProcess;
  lines: () => Array<Record<string, unknown>>;
}

async function startIngest(env: Record<string, string>): Promise<IngestProcess> {
  let output = '';
  const child = spawn(process.execPath, [join(REPO_ROOT, 'services/ingest/dist/main.js')], { cwd: REPO_ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => void (output += chunk.toString()));
  const lines = () => output.split('\n').flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
  const deadline = Date.now() + 60_000;
  while (!lines().some((line) => line.msg === 'ingest started')) {
    if (child.exitCode !== null) throw new Error(`ingest exited with ${child.exitCode}:\n${output.slice(-2_000)}`);
    if (Date.now() > deadline) throw new Error(`ingest did not start:\n${output.slice(-2_000)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { child, lines };
}

async function kill9(ingest: IngestProcess): Promise<void> {
  if (ingest.child.exitCode !== null || ingest.child.signalCode !== null) return;
  const exited = new Promise((resolve) => ingest.child.once('exit', resolve));
  ingest.child.kill('SIGKILL');
  await exited;
}

/** study.received events per study (of `uids`) on the real topic, from the offsets taken before the test. */
async function published(uids: readonly string[], from: Map<number, bigint>): Promise<Record<string, number>> {
  const counts: Record<string, number> = Object.fromEntries(uids.map((uid) => [uid, 0]));
  await readRetained(kafka, TOPICS.studyReceived.name, {
    onRecord: ({ partition, offset, key, value }) => {
      if (BigInt(offset) < (from.get(partition) ?? 0n)) return;
      try {
        const uid = decodeMessage(studyReceived, key, value).value.studyInstanceUid;
        if (uid in counts) counts[uid] = (counts[uid] ?? 0) + 1;
      } catch {
        // another producer's malformed record: not ours
      }
    },
  });
  return counts;
}

describe('ingest killed with SIGKILL while a study waits out its quiet period (issue 16 item 11)', () => {
  const admin = kafka.admin();
  const started: IngestProcess[] = [];
  beforeAll(() => admin.connect());
  afterAll(async () => {
    for (const ingest of started) await kill9(ingest);
    await admin.disconnect();
  });

  it('loses nothing and repeats nothing: the next process publishes each study exactly once', async () => {
    const from = new Map((await admin.fetchTopicOffsets(TOPICS.studyReceived.name)).map((p) => [p.partition, BigInt(p.high)]));
    const id = randomUUID().slice(0, 8);
    const env = {
      DICOMWEB_URL: stack.dicomwebUrl,
      DICOMWEB_USERNAME: stack.username,
      DICOMWEB_PASSWORD: stack.password,
      KAFKA_BROKERS: stack.kafkaBrokers.join(','),
      REDIS_URL: stack.redisUrl,
      INGEST_PACS_ID: `test-kill9-${id}`,
      INGEST_REDIS_PREFIX: `test:ingest-kill9:${id}:`,
      INGEST_QUIET_PERIOD_MS: String(QUIET_MS),
      INGEST_POLL_INTERVAL_MS: '300',
      INGEST_CT_MIN_SLICES: '3',
      INGEST_ORTHANC_REPLAY_MS: '0', // its first start begins at the end of the shared feed
      INGEST_CREATE_TOPICS: 'false',
      LOG_LEVEL: 'info',
    };
    const first = await startIngest({ ...env, INGEST_HTTP_PORT: String(await freePort()) });
    started.push(first);
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // its cursor is taken at the feed's end

    const pending = chestCtStudy(3);
    await pacs.storeInstances(pending.instances);
    const deadline = Date.now() + 20_000;
    while (!first.lines().some((line) => line.msg === 'study seen' && line.studyInstanceUid === pending.studyUid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    expect(first.lines().some((line) => line.msg === 'study seen' && line.studyInstanceUid === pending.studyUid)).toBe(true);
    await kill9(first); // inside the study's quiet period: tracked in Redis, not published
    expect(first.child.signalCode).toBe('SIGKILL');
    expect((await published([pending.studyUid], from))[pending.studyUid]).toBe(0);

    const whileDown = chestCtStudy(3);
    await pacs.storeInstances(whileDown.instances); // only Orthanc's change feed and the persisted cursor know it
    await new Promise((resolve) => setTimeout(resolve, 2_000));

    const second = await startIngest({ ...env, INGEST_HTTP_PORT: String(await freePort()) });
    started.push(second);
    const uids = [pending.studyUid, whileDown.studyUid];
    const until = Date.now() + 60_000;
    while (Object.values(await published(uids, from)).some((n) => n === 0) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 1_000));
    await new Promise((resolve) => setTimeout(resolve, 2 * QUIET_MS)); // anything more would have come by now
    expect(await published(uids, from)).toEqual({ [pending.studyUid]: 1, [whileDown.studyUid]: 1 });
  });
});
