import { randomUUID } from 'node:crypto';
import { Socket, createServer } from 'node:net';
import type { Server } from 'node:net';
import { studyReceived } from '@lungflow/contracts';
import type { StudyReceived } from '@lungflow/contracts';
import { classifyScope, dicomWebJsonToNaturalized } from '@lungflow/dicom';
import { DicomWebClient } from '@lungflow/dicomweb';
import { createLogger } from '@lungflow/logging';
import { build } from '../../services/ingest/src/app';
import type { IngestService } from '../../services/ingest/src/app';
import { loadIngestConfig } from '../../services/ingest/src/config';
import { createTestTopic, testKafka, waitForMessages } from '../helpers/kafka';
import { stackSettings } from '../helpers/stackSettings';

export const QUIET_MS = 1_000;
export const stack = stackSettings();
export const kafka = testKafka('ingest-int-test');
export const pacs = new DicomWebClient({ baseUrl: stack.dicomwebUrl, auth: { username: stack.username, password: stack.password } });

/** One test's world: its own topic, Redis prefix and PACS id, so tests (and engineers) never share state. */
export interface TestWorld {
  topic: string;
  prefix: string;
  pacsId: string;
  services: IngestService[];
  /** Every log line of this world's ingest instances, parsed: the per-study record of what ingest decided. */
  log: Array<Record<string, unknown>>;
}

export async function newWorld(): Promise<TestWorld> {
  const id = randomUUID().slice(0, 8);
  return { topic: await createTestTopic(kafka, `test.ingest.${id}`), prefix: `test:ingest:${id}:`, pacsId: `test-${id}`, services: [], log: [] };
}

/** Starts a real ingest (real Orthanc, Kafka, Redis) in this process, as main.ts would. */
export async function startIngest(world: TestWorld, env: Record<string, string> = {}): Promise<IngestService> {
  const config = loadIngestConfig({
    DICOMWEB_URL: stack.dicomwebUrl,
    DICOMWEB_USERNAME: stack.username,
    DICOMWEB_PASSWORD: stack.password,
    DICOMWEB_TIMEOUT_MS: '5000',
    KAFKA_BROKERS: stack.kafkaBrokers.join(','),
    REDIS_URL: stack.redisUrl,
    INGEST_PACS_ID: world.pacsId,
    INGEST_REDIS_PREFIX: world.prefix,
    INGEST_QUIET_PERIOD_MS: String(QUIET_MS),
    INGEST_POLL_INTERVAL_MS: '300',
    INGEST_CT_MIN_SLICES: '3',
    INGEST_PUBLISHED_TTL_MS: '3600000',
    // A world's first start begins at the end of the shared feed, as before the replay window (other people's
    // studies are not this test's); the Redis-loss test sets its own window.
    INGEST_ORTHANC_REPLAY_MS: '0',
    LOG_LEVEL: 'info',
    ...env,
  });
  const service = await build(config, {
    classify: classifyScope,
    toAttributes: (json) => dicomWebJsonToNaturalized(json) as Record<string, unknown>,
    topicNames: { studyReceived: world.topic },
    // Lines are kept, not printed: the shared Orthanc also holds other engineers' studies, so tests check what
    // ingest decided about *their* studies by UID, where the metrics count everything.
    logger: createLogger({ service: 'ingest-test', level: 'info', destination: { write: (line: string) => void world.log.push(JSON.parse(line)) } }),
  });
  await service.start();
  world.services.push(service);
  return service;
}

export async function stopAll(world: TestWorld): Promise<void> {
  await Promise.all(world.services.splice(0).map((service) => service.stop()));
}

/** All study.received events on the world's topic once `count` arrived and nothing more came for `settleMs`. */
export async function events(world: TestWorld, count: number, settleMs = 3 * QUIET_MS + 1_000): Promise<StudyReceived[]> {
  const messages = await waitForMessages(kafka, studyReceived, world.topic, { count, timeoutMs: 45_000, settleMs });
  return messages.map((m) => m.value);
}

/** Events about the given studies only (the shared Orthanc may receive other engineers' studies meanwhile). */
export function about(all: StudyReceived[], studyUids: string[]): StudyReceived[] {
  return all.filter((event) => studyUids.includes(event.studyInstanceUid));
}

/** What ingest logged about one study: 'study seen', 'series filtered' (with reason), 'study published' (version). */
export function logOf(world: TestWorld, studyUid: string, msg: string): Array<Record<string, unknown>> {
  return world.log.filter((line) => line.studyInstanceUid === studyUid && line.msg === msg);
}

export function publishedVersions(world: TestWorld, studyUid: string): number[] {
  return logOf(world, studyUid, 'study published').map((line) => Number(line.studyVersion));
}

export function filteredReasons(world: TestWorld, studyUid: string): string[] {
  return logOf(world, studyUid, 'series filtered').map((line) => String(line.reason));
}

export async function metric(service: IngestService, name: string, labelPart = ''): Promise<number> {
  const text = await service.metrics.metrics.registry.metrics();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`lungflow_${name}`) && line.includes(labelPart))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

export async function until(check: () => Promise<boolean>, timeoutMs = 30_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A TCP forwarder to Orthanc that a test can cut and restore, to play an unreachable PACS. */
export class Cable {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly targetPort: number) {}

  async connect(): Promise<void> {
    const server = createServer((client) => {
      const upstream = new Socket();
      upstream.connect(this.targetPort, '127.0.0.1');
      for (const socket of [client, upstream]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => socket.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  async cut(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }
}
