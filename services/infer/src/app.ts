import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Kafka } from 'kafkajs';
import { inferenceCompleted, studyReceived } from '@lungflow/contracts';
import { LungFlowError } from '@lungflow/errors';
import { Metrics, healthRoutes } from '@lungflow/http';
import { ModelSet } from '@lungflow/inference';
import { ConsumerRunner, ConsumerSupervisor, EventProducer, createKafka, ensureTopics, kafkaSecurity, replicationFactor, type TopicNames } from '@lungflow/kafka';
import { createLogger, type Logger } from '@lungflow/logging';
import { IdempotencyStore, createRedis, pingRedis, type Redis, redisSecurity } from '@lungflow/redis';
import { modelDirs, type InferConfig } from './config';
import { handleStudyReceived } from './handlers/studyReceived';
import { lungflowVersion } from '@lungflow/config';
import type { PacsReader } from './pacs/PacsReader';
import { RoutedPacsReader } from './pacs/routedPacsReader';

/** Everything the service talks to; tests pass real clients with their own topic names and Redis prefix. */
export interface InferDeps {
  kafka?: Kafka;
  topicNames?: TopicNames;
  redis?: Redis;
  pacs?: PacsReader;
  models?: ModelSet;
  logger?: Logger;
  metrics?: Metrics;
}

export interface InferService {
  app: FastifyInstance;
  models: ModelSet;
  /** Loads the models (fails fast on a missing or tampered release), creates topics, starts consuming. */
  start(): Promise<void>;
  /** Stops consuming (unfinished work stays uncommitted, to be redone), then closes HTTP, Kafka, Redis, models. */
  stop(): Promise<void>;
  /** Resolves when the consumer could not rejoin after a crash: main exits 1 (serveUntilSignal). */
  fatal: Promise<Error>;
}

export async function build(config: InferConfig, deps: InferDeps = {}): Promise<InferService> {
  const logger = deps.logger ?? createLogger({ service: 'infer', level: config.LOG_LEVEL });
  const metrics = deps.metrics ?? new Metrics('infer');
  const imagesAnalysed = metrics.counter('infer_images_total', 'Images (frames) classified', ['task']);
  const outcomes = metrics.counter('infer_studies_total', 'study.received messages by outcome', ['outcome']);
  const batchSize = metrics.histogram('infer_batch_size', 'Images per model batch (above 1: batching across images and studies)', ['task'], [1, 2, 4, 8, 16, 32]);
  const batchSeconds = metrics.histogram('infer_batch_seconds', 'Model time per batch', ['task'], [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2]);
  const stageSeconds = metrics.histogram('infer_stage_seconds', 'Per instance: WADO-RS fetch, and analyse (decode, pre-processing, model incl. batching wait, CAM)', ['stage'], [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5]);
  const retries = metrics.counter('infer_retries_total', 'Retriable failures (PACS or broker outage), by error code', ['code']);
  const redis = deps.redis ?? createRedis(config.REDIS_URL, { keyPrefix: config.INFER_REDIS_PREFIX, log: logger, name: 'infer', security: redisSecurity(config) });
  const kafka = deps.kafka ?? createKafka({ brokers: config.KAFKA_BROKERS, clientId: `${config.KAFKA_CLIENT_ID}-infer`, log: logger, security: kafkaSecurity(config) });
  const producer = new EventProducer(kafka, deps.topicNames);
  const pacs = deps.pacs ?? new RoutedPacsReader(config);
  const models =
    deps.models ??
    new ModelSet(modelDirs(config), (task) => ({
      executionProvider: config.INFER_EXECUTION_PROVIDER,
      intraOpThreads: config.INFER_INTRA_OP_THREADS,
      maxBatch: config.INFER_MAX_BATCH,
      maxWaitMs: config.INFER_MAX_WAIT_MS,
      onBatch: (size, ms) => {
        batchSize.labels(task).observe(size);
        batchSeconds.labels(task).observe(ms / 1000);
      },
    }));

  const handler = handleStudyReceived({
    models,
    pacs,
    publish: async (key, value) => void (await producer.send(inferenceCompleted, key, value)),
    logger,
    lungflowVersion: lungflowVersion(),
    done: { store: new IdempotencyStore(redis), prefix: '', ttlMs: config.INFER_DONE_TTL_MS },
    onImages: (task, count) => imagesAnalysed.labels(task).inc(count),
    onStage: (stage, seconds) => stageSeconds.labels(stage).observe(seconds),
  });

  // A consumer that crashed is recreated; one that cannot rejoin fails liveness and ends the process (`fatal`).
  const supervisor = new ConsumerSupervisor(logger);
  // Several partitions in flight, so that studies running at once share model batches.
  const consumer = new ConsumerRunner({
    supervisor,
    kafka,
    groupId: config.INFER_CONSUMER_GROUP,
    contract: studyReceived,
    handler,
    producer,
    partitionsConsumedConcurrently: config.INFER_CONCURRENT_STUDIES,
    ...(deps.topicNames?.studyReceived ? { topic: deps.topicNames.studyReceived } : {}),
    backoff: { initialMs: config.INFER_RETRY_INITIAL_MS, maxMs: config.INFER_RETRY_MAX_MS },
    ...(config.INFER_MAX_ATTEMPTS > 0 ? { maxAttempts: config.INFER_MAX_ATTEMPTS } : {}),
    onOutcome: (outcome) => outcomes.labels(outcome).inc(),
    onRetry: (error, attempt, delayMs) => {
      retries.labels(error instanceof LungFlowError ? error.code : 'UNEXPECTED').inc();
      logger.warn({ err: error, attempt, delayMs }, 'retriable failure; backing off without committing');
    },
  });

  let modelsReady = false;
  const app: FastifyInstance = Fastify({ loggerInstance: logger as FastifyBaseLogger });
  await app.register(healthRoutes, {
    metrics,
    readiness: {
      models: async () => modelsReady,
      redis: () => pingRedis(redis),
      kafka: async () => {
        await producer.connect();
        return true;
      },
      consumer: supervisor.readiness,
    },
    liveness: { consumer: async () => supervisor.alive() },
  });

  return {
    app,
    models,
    fatal: supervisor.fatal,
    async start() {
      const dirs = modelDirs(config);
      // Both releases load before any message is taken: a missing or tampered model stops the process at once
      // instead of dead-lettering every study.
      const runners = await Promise.all([models.get('cxr'), models.get('ct')]);
      modelsReady = true;
      logger.info({ models: runners.map((r) => r.identity), dirs, executionProvider: config.INFER_EXECUTION_PROVIDER }, 'models loaded');
      if (config.INFER_CREATE_TOPICS && !deps.topicNames) {
        await ensureTopics(kafka, undefined, replicationFactor(config.KAFKA_BROKERS, config.KAFKA_REPLICATION_FACTOR)).catch((error) => logger.warn({ err: error }, 'could not create topics yet'));
      }
      await producer.connect();
      await consumer.start();
      logger.info({ group: config.INFER_CONSUMER_GROUP, topic: consumer.topic, concurrency: config.INFER_CONCURRENT_STUDIES }, 'infer started');
    },
    async stop() {
      await consumer.stop().catch((error) => logger.warn({ err: error }, 'consumer stop failed'));
      await app.close();
      await producer.disconnect().catch(() => undefined);
      if (!deps.redis) await redis.quit().catch(() => undefined);
      if (!deps.models) await models.close();
    },
  };
}
