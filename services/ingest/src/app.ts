import Fastify from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { studyReceived } from '@lungflow/contracts';
import type { DicomJson, StowResult } from '@lungflow/dicomweb';
import { DicomWebClient } from '@lungflow/dicomweb';
import { LungFlowError } from '@lungflow/errors';
import { Metrics, healthRoutes } from '@lungflow/http';
import type { Kafka } from 'kafkajs';
import { EventProducer, createKafka, ensureTopics, kafkaSecurity, replicationFactor } from '@lungflow/kafka';
import type { TopicNames } from '@lungflow/kafka';
import { createLogger } from '@lungflow/logging';
import type { Logger } from '@lungflow/logging';
import { CursorStore, createRedis, pingRedis, redisSecurity } from '@lungflow/redis';
import type { Redis } from '@lungflow/redis';
import type { IngestConfig } from './config';
import { orthancRestUrl } from './config';
import { dimseReceiverFromConfig } from './dimse';
import type { DimseReceiver } from './dimse';
import type { DicomAttributes, ScopeClassifier } from './filter';
import { Loop } from './Loop';
import { createIngestMetrics } from './metrics';
import type { IngestMetrics } from './metrics';
import { OrthancRestClient } from './pacs/OrthancRestClient';
import type { PacsReader } from './pacs/StudyInventory';
import { OrthancChangesPoller } from './pollers/orthancChangesPoller';
import { QidoPoller } from './pollers/qidoPoller';
import { stowRoute } from './routes/stowRoute';
import { StudyTracker } from './studyTracker';
import { RedisTrackerStore } from './TrackerStore';

/** Everything the service talks to. Tests pass real clients with their own topic names and Redis prefix. */
export interface IngestDeps {
  classify: ScopeClassifier;
  toAttributes: (json: DicomJson) => DicomAttributes;
  pacs?: PacsReader & { searchStudies(query: Record<string, string | number | string[]>): Promise<DicomJson[]>; storeInstances(instances: readonly Uint8Array[], studyUid?: string): Promise<StowResult> };
  orthanc?: OrthancRestClient;
  redis?: Redis;
  kafka?: Kafka;
  topicNames?: TopicNames;
  logger?: Logger;
  metrics?: Metrics;
  /** Seconds of the STOW bearer token (optional). */
  stowBearerToken?: string;
}

export interface IngestService {
  app: FastifyInstance;
  tracker: StudyTracker;
  metrics: IngestMetrics;
  /** The C-STORE SCP when INGEST_DIMSE_ENABLED is on (listening after start(); `port` is the bound port). */
  dimse?: DimseReceiver;
  /** Connects, creates topics, starts the poll and settle loops (does not listen on HTTP). */
  start(): Promise<void>;
  /** Stops the loops (waiting for the current pass), then closes HTTP, Kafka and Redis. */
  stop(): Promise<void>;
}

export async function build(config: IngestConfig, deps: IngestDeps): Promise<IngestService> {
  const logger = deps.logger ?? createLogger({ service: 'ingest', level: config.LOG_LEVEL });
  const metrics = createIngestMetrics(deps.metrics ?? new Metrics('ingest'));
  const redis = deps.redis ?? createRedis(config.REDIS_URL, { keyPrefix: `${config.INGEST_REDIS_PREFIX}${config.INGEST_PACS_ID}:`, log: logger, name: 'ingest', security: redisSecurity(config) });
  const kafka = deps.kafka ?? createKafka({ brokers: config.KAFKA_BROKERS, clientId: `${config.KAFKA_CLIENT_ID}-ingest`, log: logger, security: kafkaSecurity(config) });
  const producer = new EventProducer(kafka, deps.topicNames);
  const pacs = deps.pacs ?? DicomWebClient.fromSettings(config);
  const orthanc =
    deps.orthanc ??
    new OrthancRestClient({ baseUrl: orthancRestUrl(config), username: config.DICOMWEB_USERNAME, password: config.DICOMWEB_PASSWORD, bearerToken: config.DICOMWEB_BEARER_TOKEN, timeoutMs: config.DICOMWEB_TIMEOUT_MS });
  const cursors = new CursorStore(redis);

  const tracker = new StudyTracker(
    {
      store: new RedisTrackerStore(redis, config.INGEST_PUBLISHED_TTL_MS),
      pacs,
      classify: deps.classify,
      toAttributes: deps.toAttributes,
      publish: async (event) => void (await producer.send(studyReceived, { studyInstanceUid: event.studyInstanceUid }, event)),
      metrics,
      log: logger,
    },
    {
      quietPeriodMs: config.INGEST_QUIET_PERIOD_MS,
      ctMinSlices: config.INGEST_CT_MIN_SLICES,
      pacsId: config.INGEST_PACS_ID,
      dicomWebUrl: config.DICOMWEB_URL,
      ...(config.INGEST_RADIOGRAPH_SETTLE_MS > 0 ? { radiographSettleMs: config.INGEST_RADIOGRAPH_SETTLE_MS } : {}),
      looksInParallel: config.INGEST_LOOKS_IN_PARALLEL,
    },
  );

  const pollers: Array<{ name: string; pollOnce: () => Promise<number> }> = [];
  if (config.INGEST_MODE === 'orthanc-changes' || config.INGEST_MODE === 'both') {
    pollers.push({ name: 'orthanc-changes', ...bindPoll(new OrthancChangesPoller({ orthanc, cursors, tracker, cursorName: 'orthanc-changes', start: config.INGEST_ORTHANC_START, replayMs: config.INGEST_ORTHANC_REPLAY_MS, log: logger })) });
  }
  if (config.INGEST_MODE === 'qido' || config.INGEST_MODE === 'both') {
    pollers.push({ name: 'qido', ...bindPoll(new QidoPoller({ pacs, redis, cursors, tracker, cursorName: 'qido', lookbackDays: config.INGEST_QIDO_LOOKBACK_DAYS })) });
  }

  const lastPollOk = new Map<string, number>();
  const loops = pollers.map(
    (poller) =>
      new Loop(
        async () => {
          await poller.pollOnce();
          lastPollOk.set(poller.name, Date.now());
          metrics.pollLag.labels(poller.name).set(0);
        },
        config.INGEST_POLL_INTERVAL_MS,
        (error, failures) => {
          const since = lastPollOk.get(poller.name);
          if (since !== undefined) metrics.pollLag.labels(poller.name).set((Date.now() - since) / 1000);
          metrics.errors.labels('poll', error instanceof LungFlowError ? error.code : 'UNEXPECTED').inc();
          logger.warn({ poller: poller.name, err: error, failures }, 'poll failed; backing off');
        },
      ),
  );
  const firstLookMs = Math.min(config.INGEST_QUIET_PERIOD_MS, config.INGEST_RADIOGRAPH_SETTLE_MS || Infinity);
  const settleEvery = Math.min(1_000, Math.max(50, Math.floor(firstLookMs / 4)));
  loops.push(new Loop(() => tracker.processDue(), settleEvery, (error) => logger.warn({ err: error }, 'settle pass failed; backing off')));

  const admin = kafka.admin();
  let adminConnecting: Promise<void> | undefined;
  const app = Fastify({ loggerInstance: logger as FastifyBaseLogger, bodyLimit: config.INGEST_STOW_MAX_BYTES }) as unknown as FastifyInstance;
  await app.register(healthRoutes, {
    metrics: metrics.metrics,
    readiness: {
      redis: () => pingRedis(redis),
      // A metadata request, not the producer's connection state, which stays "connected" after a broker dies.
      kafka: async () => {
        adminConnecting ??= admin.connect().catch((error: unknown) => {
          adminConnecting = undefined;
          throw error;
        });
        await adminConnecting;
        await admin.listTopics();
        return true;
      },
      pacs: async () => {
        await pacs.searchStudies({ limit: 1 });
        return true;
      },
    },
  });
  const dimse = dimseReceiverFromConfig(config, { pacs, tracker, metrics, log: logger });
  await app.register(stowRoute, { pacs, tracker, metrics, maxBytes: config.INGEST_STOW_MAX_BYTES, bearerToken: deps.stowBearerToken });

  return {
    app,
    tracker,
    metrics,
    dimse,
    async start() {
      if (config.INGEST_CREATE_TOPICS && !deps.topicNames) {
        // A broker that is down now is not fatal: sends retry, and nothing is acknowledged until they succeed.
        await ensureTopics(kafka, undefined, replicationFactor(config.KAFKA_BROKERS, config.KAFKA_REPLICATION_FACTOR)).catch((error) => logger.warn({ err: error }, 'could not create topics yet'));
      }
      void producer.connect().catch((error) => logger.warn({ err: error }, 'Kafka not reachable yet; will retry on send'));
      for (const loop of loops) loop.start();
      await dimse?.start();
      logger.info({ mode: config.INGEST_MODE, pacsId: config.INGEST_PACS_ID, quietPeriodMs: config.INGEST_QUIET_PERIOD_MS }, 'ingest started');
    },
    async stop() {
      await dimse?.stop();
      await Promise.all(loops.map((loop) => loop.stop()));
      await app.close();
      await producer.disconnect().catch(() => undefined);
      if (adminConnecting) await adminConnecting.then(() => admin.disconnect()).catch(() => undefined);
      if (!deps.redis) await redis.quit().catch(() => undefined);
    },
  };
}

function bindPoll(poller: { pollOnce(): Promise<number> }): { pollOnce: () => Promise<number> } {
  return { pollOnce: () => poller.pollOnce() };
}
