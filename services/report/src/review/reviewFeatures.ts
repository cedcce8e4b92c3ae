import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kafka } from 'kafkajs';
import { deadLetter } from '@lungflow/contracts';
import { lungflowVersion } from '@lungflow/config';
import type { Metrics } from '@lungflow/http';
import { ConsumerRunner, type ConsumerSupervisor, type EventProducer, type TopicNames } from '@lungflow/kafka';
import type { Logger } from '@lungflow/logging';
import type { Redis } from '@lungflow/redis';
import { authenticate, principalOf } from '../auth/authenticate';
import { SessionCookies } from '../auth/sessionCookie';
import { loadUserList } from '../auth/userList';
import type { ReportConfig } from '../config';
import { handleDeadLetter } from '../handlers/deadLetter';
import type { ReportPacs } from '../pacs/ReportPacs';
import { reviewRoutes } from '../routes/reviewRoutes';
import { sessionRoutes } from '../routes/sessionRoutes';
import { worklistRowsRoutes } from '../routes/worklistRowsRoutes';
import { NotAnalysedStore } from '../worklist/NotAnalysedStore';
import { StudyIdentityLookup } from '../worklist/StudyIdentity';
import type { WorklistStore } from '../worklist/WorklistStore';
import { reviewMetrics } from './reviewMetrics';
import { auditRecord, auditSender } from './saveReview';
import { ReviewGate } from './ReviewGate';
import { ReviewStore } from './ReviewStore';

export interface ReviewFeatureDeps {
  config: ReportConfig;
  redis: Redis;
  pacs: ReportPacs;
  worklist: WorklistStore;
  producer: EventProducer;
  metrics: Metrics;
  logger: Logger;
  kafka: Kafka;
  topicNames?: TopicNames;
  /** The service's consumers (health, exit after a consumer cannot rejoin). */
  supervisor?: ConsumerSupervisor;
}

const STUDY_VIEW_ROUTE = '/api/v1/studies/:studyInstanceUid';

/**
 * Everything of review, authentication, audit and the readable worklist, built in one place so app.ts only wires
 * it: the authenticate preHandler, the audit hook for study views, the routes, the dead-letter reader behind
 * "not analysed", and the clinical metrics.
 */
export function reviewFeatures(deps: ReviewFeatureDeps) {
  const { config, redis, pacs, worklist, producer, metrics, logger } = deps;
  const users = config.REPORT_USERS_FILE ? loadUserList(config.REPORT_USERS_FILE) : undefined;
  const sessions = config.REPORT_API_TOKEN ? new SessionCookies(config.REPORT_API_TOKEN, config.REPORT_SESSION_TTL_MS) : undefined;
  const auth = authenticate({
    ...(config.REPORT_AUTH_PROXY_HEADER ? { proxyHeader: config.REPORT_AUTH_PROXY_HEADER } : {}),
    ...(config.REPORT_AUTH_PROXY_GROUPS_HEADER ? { proxyGroupsHeader: config.REPORT_AUTH_PROXY_GROUPS_HEADER } : {}),
    proxyAddresses: config.REPORT_AUTH_PROXY_ADDRESSES,
    proxyDefaultRole: config.REPORT_AUTH_PROXY_DEFAULT_ROLE,
    ...(users ? { users } : {}),
    ...(config.REPORT_API_TOKEN ? { apiToken: config.REPORT_API_TOKEN } : {}),
    ...(sessions ? { sessions } : {}),
    tokenInUrl: config.REPORT_TOKEN_IN_URL,
    // The logger redacts the token from the URL; the warning says who still sends it there.
    onTokenInUrl: (request) => logger.warn({ url: request.url, address: request.socket.remoteAddress }, '?access_token= is deprecated (REPORT_TOKEN_IN_URL): send Authorization: Bearer'),
  });
  const reviews = new ReviewStore(redis);
  const notAnalysed = new NotAnalysedStore(redis);
  const identities = new StudyIdentityLookup(pacs);
  const audit = auditSender(producer);
  const gate = config.REPORT_REVIEW_GATE ? new ReviewGate(redis, pacs) : undefined;
  const stats = reviewMetrics(metrics, async () => {
    const [items, reviewed] = await Promise.all([worklist.list(), reviews.all()]);
    return {
      listed: items.map((i) => ({ modality: i.modality, positive: i.decision.positive, reviewed: reviewed.has(i.studyInstanceUid), ...(i.sourceDevice ? { sourceDevice: i.sourceDevice } : {}) })),
    };
  });
  const deadLetters = new ConsumerRunner({
    kafka: deps.kafka,
    groupId: config.REPORT_DEADLETTER_GROUP,
    contract: deadLetter,
    handler: handleDeadLetter({ notAnalysed, logger }),
    producer,
    ...(deps.supervisor ? { supervisor: deps.supervisor } : {}),
    ...(deps.topicNames?.deadLetter ? { topic: deps.topicNames.deadLetter } : {}),
    backoff: { initialMs: config.REPORT_RETRY_INITIAL_MS, maxMs: config.REPORT_RETRY_MAX_MS },
    maxAttempts: config.REPORT_MAX_ATTEMPTS,
    retryWindowMs: config.REPORT_RETRY_WINDOW_MS,
  });

  return {
    /** The PACS the result writer stores to: the gate's holding one when the review gate is on. */
    resultPacs: gate ? gate.holdingPacs() : pacs,
    authenticate: auth,
    async auditStudyViews(request: FastifyRequest, reply: FastifyReply): Promise<void> {
      if (request.method !== 'GET' || request.routeOptions.url !== STUDY_VIEW_ROUTE || reply.statusCode !== 200) return;
      const study = (request.params as { studyInstanceUid: string }).studyInstanceUid;
      await audit(auditRecord('study.viewed', principalOf(request), study, [], request.socket.remoteAddress)).catch((error: unknown) =>
        logger.error({ err: error, studyInstanceUid: study }, 'audit event for a study view could not be sent'),
      );
    },
    async beforeScrape(request: FastifyRequest): Promise<void> {
      if (request.url === '/metrics') await stats.refresh().catch((error: unknown) => logger.warn({ err: error }, 'review metrics not refreshed'));
    },
    async routes(api: FastifyInstance): Promise<void> {
      await api.register(sessionRoutes, { sessions });
      await api.register(worklistRowsRoutes, { worklist, notAnalysed, identities, reviews });
      await api.register(reviewRoutes, {
        pacs,
        worklist,
        reviews,
        identities,
        audit,
        ...(gate ? { gate } : {}),
        organization: config.REPORT_REVIEW_ORGANIZATION,
        softwareVersion: lungflowVersion(),
        onSaved: (summary, reportedAt) => stats.saved(summary, reportedAt),
      });
    },
    async start(): Promise<void> {
      await deadLetters.start();
    },
    async stop(): Promise<void> {
      await deadLetters.stop().catch((error: unknown) => logger.warn({ err: error }, 'dead-letter consumer stop failed'));
    },
  };
}
