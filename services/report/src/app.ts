import { EventEmitter, once } from 'node:events';
import path from 'node:path';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import type { Kafka } from 'kafkajs';
import { inferenceCompleted, reportStored, reportStoredV2, type ReportStoredV2 } from '@lungflow/contracts';
import { LungFlowError } from '@lungflow/errors';
import { Metrics, healthRoutes } from '@lungflow/http';
import { watchDeadLetters } from './deadLetterMetrics';
import { ConsumerRunner, ConsumerSupervisor, EventProducer, createKafka, ensureTopics, kafkaSecurity, replicationFactor, type TopicNames } from '@lungflow/kafka';
import { createLogger, type Logger } from '@lungflow/logging';
import { createRedis, pingRedis, type Redis, redisSecurity } from '@lungflow/redis';
import { modelDir, type ReportConfig } from './config';
import { handleInferenceCompleted } from './handlers/inferenceCompleted';
import { lungflowVersion } from '@lungflow/config';
import { ModelCatalog } from './ModelCatalog';
import { buildOutputs } from './outputs/buildOutputs';
import type { ReportPacs } from './pacs/ReportPacs';
import { RoutedReportPacs } from './export/RoutedReportPacs';
import { withStoreProtocol } from './export/withStoreProtocol';
import { imageRoutes } from './routes/imageRoutes';
import { worklistItem } from './routes/schemas';
import { worklistRoutes } from './routes/worklistRoutes';
import { WorklistStore } from './worklist/WorklistStore';
import { WorklistRebuild } from './worklist/WorklistRebuild';
import { deviceFromPacs } from './worklist/sourceDevice';
import { reviewFeatures } from './review/reviewFeatures';
import { ReviewStore } from './review/ReviewStore';

/** Everything the service talks to; tests pass real clients with their own topic names and Redis prefix. */
export interface ReportDeps {
  kafka?: Kafka;
  topicNames?: TopicNames;
  redis?: Redis;
  pacs?: ReportPacs;
  catalog?: ModelCatalog;
  logger?: Logger;
  metrics?: Metrics;
  /** Skip the consumer (an API-only replica, or route tests). */
  consume?: boolean;
}

export interface ReportService {
  app: FastifyInstance;
  worklist: WorklistStore;
  /** Subscribes to worklist changes, creates topics, starts consuming inference.completed. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves when a consumer could not rejoin after a crash: main exits 1 (serveUntilSignal). */
  fatal: Promise<Error>;
}

/** The page (static HTML and JS), beside src/ and dist/. */
const WEB_ROOT = path.resolve(__dirname, '../web');

export async function build(config: ReportConfig, deps: ReportDeps = {}): Promise<ReportService> {
  const logger = deps.logger ?? createLogger({ service: 'report', level: config.LOG_LEVEL });
  const metrics = deps.metrics ?? new Metrics('report');
  const outcomes = metrics.counter('report_results_total', 'inference.completed messages by outcome', ['outcome']);
  const retries = metrics.counter('report_retries_total', 'Retriable failures (PACS or broker outage), by error code', ['code']);
  const storeSeconds = metrics.histogram('report_inference_to_stored_seconds', 'From the model finishing to the SR and SC being stored', [], [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60]);
  const stageSeconds = metrics.histogram('report_stage_seconds', 'Time in each step of one result (source, instances, seg, sc, sr, stow, worklist, publish)', ['stage'], [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5]);
  const prefix = config.REPORT_REDIS_PREFIX;
  const redis = deps.redis ?? createRedis(config.REDIS_URL, { keyPrefix: prefix, log: logger, name: 'report', security: redisSecurity(config) });
  // The worklist change subscription; createRedis gives a duplicate its own error listener (and log lines).
  const subscriber = redis.duplicate();
  const kafka = deps.kafka ?? createKafka({ brokers: config.KAFKA_BROKERS, clientId: `${config.KAFKA_CLIENT_ID}-report`, log: logger, security: kafkaSecurity(config) });
  const producer = new EventProducer(kafka, deps.topicNames);
  const pacs: ReportPacs = deps.pacs ? withStoreProtocol(deps.pacs, config) : new RoutedReportPacs(config);
  const catalog = deps.catalog ?? (await ModelCatalog.load(modelDir(config)));
  const worklist = new WorklistStore(redis, `${redis.options.keyPrefix ?? prefix}changes`);
  const changes = new EventEmitter();
  changes.setMaxListeners(0);

  // Every consumer of report (results, outputs, dead letters) joins it: a crashed one is recreated; one that cannot
  // rejoin fails liveness and ends the process (`fatal`).
  const supervisor = new ConsumerSupervisor(logger);
  const review = reviewFeatures({ config, redis, pacs, worklist, producer, metrics, logger, kafka, supervisor, ...(deps.topicNames ? { topicNames: deps.topicNames } : {}) });
  const consumer =
    deps.consume === false
      ? undefined
      : new ConsumerRunner({
          kafka,
          groupId: config.REPORT_CONSUMER_GROUP,
          contract: inferenceCompleted,
          handler: handleInferenceCompleted({
            pacs: review.resultPacs,
            catalog,
            worklist,
            publish: async (key, value) => void (await producer.send(reportStored, key, value)),
            // A caller with its own topics (a test) that names no v2 topic must not write into the shared one.
            ...(!deps.topicNames || deps.topicNames.reportStoredV2 ? { publishV2: async (key: { studyInstanceUid: string }, value: ReportStoredV2) => void (await producer.send(reportStoredV2, key, value)) } : {}),
            logger,
            dicomWebUrl: config.DICOMWEB_URL,
            lungflowVersion: lungflowVersion(),
            onStored: (seconds) => storeSeconds.observe(seconds),
            onStage: (stage, seconds) => stageSeconds.labels(stage).observe(seconds),
          }),
          producer,
          supervisor,
          partitionsConsumedConcurrently: config.REPORT_CONCURRENT_RESULTS,
          ...(deps.topicNames?.inferenceCompleted ? { topic: deps.topicNames.inferenceCompleted } : {}),
          backoff: { initialMs: config.REPORT_RETRY_INITIAL_MS, maxMs: config.REPORT_RETRY_MAX_MS },
          maxAttempts: config.REPORT_MAX_ATTEMPTS,
          retryWindowMs: config.REPORT_RETRY_WINDOW_MS,
          onOutcome: (outcome) => outcomes.labels(outcome).inc(),
          onRetry: (error, attempt, delayMs) => {
            retries.labels(error instanceof LungFlowError ? error.code : 'UNEXPECTED').inc();
            logger.warn({ err: error, attempt, delayMs }, 'retriable failure; backing off without committing');
          },
        });

  const outputs = deps.consume === false ? undefined : buildOutputs(config, { kafka, producer, redis, logger, metrics, supervisor, ...(deps.topicNames ? { topicNames: deps.topicNames } : {}) });
  let deadLetterWatch: { stop(): void } | undefined;
  // A test with its own topics rebuilds from those only (never from the shared report.stored).
  const rebuild =
    deps.consume === false || config.REPORT_WORKLIST_CHECK_MS === 0 || (deps.topicNames && !deps.topicNames.reportStoredV2)
      ? undefined
      : new WorklistRebuild({
          kafka,
          redis,
          worklist,
          logger,
          sourceDevice: deviceFromPacs(pacs),
          // reviewers' revision counters come back from the audit topic (a test's own topics: only if it has one)
          ...(!deps.topicNames || deps.topicNames.audit
            ? { reviews: new ReviewStore(redis), reviewSr: (ref: { studyInstanceUid: string; seriesInstanceUid: string; sopInstanceUid: string }) => pacs.retrieveInstance(ref.studyInstanceUid, ref.seriesInstanceUid, ref.sopInstanceUid) }
            : {}),
          topics: {
            ...(deps.topicNames?.reportStoredV2 ? { reportStoredV2: deps.topicNames.reportStoredV2 } : {}),
            ...(deps.topicNames?.inferenceCompleted ? { inferenceCompleted: deps.topicNames.inferenceCompleted } : {}),
            ...(deps.topicNames?.audit ? { audit: deps.topicNames.audit } : {}),
          },
        });
  let rebuildTimer: NodeJS.Timeout | undefined;
  let rebuilding: Promise<unknown> | undefined;
  const checkWorklist = () => {
    rebuilding ??= rebuild
      ?.ifLost()
      .catch((error: unknown) => logger.warn({ err: error }, 'worklist check or rebuild failed; trying again later'))
      .finally(() => (rebuilding = undefined));
  };

  const app: FastifyInstance = Fastify({ loggerInstance: logger as FastifyBaseLogger });
  app.addSchema(worklistItem);
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'LungFlow worklist API', version: lungflowVersion(), description: 'Prioritised COVID-19/pneumonia triage worklist. AI results, not for diagnosis.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      ...(config.REPORT_API_TOKEN ? { security: [{ bearer: [] }] } : {}),
    },
  });
  await app.register(healthRoutes, {
    metrics,
    readiness: {
      redis: () => pingRedis(redis),
      kafka: async () => {
        await producer.connect();
        return true;
      },
      pacs: async () => {
        await pacs.searchInstances({ limit: 1 });
        return true;
      },
      consumers: supervisor.readiness,
    },
    liveness: { consumers: async () => supervisor.alive() },
  });
  app.addHook('onRequest', review.beforeScrape);
  await app.register(async (api) => {
    api.addHook('preHandler', review.authenticate('reader'));
    api.addHook('onResponse', review.auditStudyViews);
    await api.register(worklistRoutes, { worklist, catalog });
    await api.register(imageRoutes, { worklist, catalog, pacs, changes });
    await api.register(review.routes);
  });
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(fastifyStatic, { root: WEB_ROOT, prefix: '/', index: 'index.html' });

  return {
    app,
    worklist,
    fatal: supervisor.fatal,
    async start() {
      // Subscribing before the connection's ready check (INFO) has run makes ioredis send INFO in subscriber mode.
      if (subscriber.status !== 'ready') await once(subscriber, 'ready');
      await subscriber.subscribe(worklist.channel);
      subscriber.on('message', (_channel: string, message: string) => {
        try {
          changes.emit('change', JSON.parse(message));
        } catch {
          logger.warn('ignoring an undecodable worklist change');
        }
      });
      if (!consumer) return;
      if (config.REPORT_CREATE_TOPICS && !deps.topicNames) {
        await ensureTopics(kafka, undefined, replicationFactor(config.KAFKA_BROKERS, config.KAFKA_REPLICATION_FACTOR)).catch((error) => logger.warn({ err: error }, 'could not create topics yet'));
      }
      await producer.connect();
      await consumer.start();
      await outputs?.start();
      await review.start();
      deadLetterWatch = watchDeadLetters(kafka, metrics, logger, deps.topicNames?.deadLetter ? { topic: deps.topicNames.deadLetter } : {});
      if (rebuild) {
        checkWorklist();
        rebuildTimer = setInterval(checkWorklist, config.REPORT_WORKLIST_CHECK_MS);
      }
      logger.info({ group: config.REPORT_CONSUMER_GROUP, topic: consumer.topic }, 'report started');
    },
    async stop() {
      deadLetterWatch?.stop();
      clearInterval(rebuildTimer);
      await rebuilding;
      await consumer?.stop().catch((error) => logger.warn({ err: error }, 'consumer stop failed'));
      await outputs?.stop();
      await review.stop();
      await app.close();
      await producer.disconnect().catch(() => undefined);
      subscriber.disconnect();
      if (!deps.redis) await redis.quit().catch(() => undefined);
    },
  };
}
