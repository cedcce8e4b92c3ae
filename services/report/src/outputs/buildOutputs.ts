import type { Kafka } from 'kafkajs';
import { reportStoredV2, type Contract } from '@lungflow/contracts';
import { DicomWebClient, type DicomWebSettings } from '@lungflow/dicomweb';
import { LungFlowError } from '@lungflow/errors';
import type { Metrics } from '@lungflow/http';
import { ConsumerRunner, type ConsumerSupervisor, type EventHandler, type EventProducer, type TopicNames } from '@lungflow/kafka';
import type { Logger } from '@lungflow/logging';
import { IdempotencyStore, type Redis } from '@lungflow/redis';
import { FhirClient } from './fhir/fhirClient';
import { handleFhirOutput } from './fhir/fhirOutput';
import { handleHl7Output } from './hl7/hl7Output';
import { sendMllp } from './hl7/mllpClient';
import type { OutputSettings } from './outputSettings';
import { OrthancPriority, handlePacsPriority } from './priority/orthancPriority';
import type { StudySearch } from './studyContext';

export interface OutputsConfig extends OutputSettings, DicomWebSettings {
  REPORT_MAX_ATTEMPTS: number;
  REPORT_RETRY_WINDOW_MS: number;
  REPORT_RETRY_INITIAL_MS: number;
  REPORT_RETRY_MAX_MS: number;
}

export interface OutputsDeps {
  kafka: Kafka;
  producer: EventProducer;
  redis: Redis;
  logger: Logger;
  metrics: Metrics;
  topicNames?: TopicNames;
  studySearch?: StudySearch;
  /** The service's consumers (health, exit after a consumer cannot rejoin). */
  supervisor?: ConsumerSupervisor;
}

export interface Outputs {
  /** The enabled outputs by name (hl7, fhir, pacs-priority). */
  readonly names: readonly string[];
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The result outputs: one consumer of report.stored v2 per configured peer, each in its own consumer group, so a
 * RIS that is down holds back only the HL7 output while FHIR and the PACS priority go on. Each dead-letters with
 * its own codes (OutputError) and its group id as the `service`.
 */
export function buildOutputs(config: OutputsConfig, deps: OutputsDeps): Outputs {
  const logger = deps.logger;
  const pacs = deps.studySearch ?? DicomWebClient.fromSettings(config);
  const outcomes = deps.metrics.counter('report_output_results_total', 'report.stored messages by output and outcome', ['output', 'outcome']);
  const runners: { name: string; runner: ConsumerRunner<typeof reportStoredV2> }[] = [];
  const add = (name: string, groupId: string, handler: EventHandler<typeof reportStoredV2>) => {
    const runner = new ConsumerRunner<Contract & typeof reportStoredV2>({
      kafka: deps.kafka,
      groupId,
      contract: reportStoredV2,
      handler,
      producer: deps.producer,
      ...(deps.supervisor ? { supervisor: deps.supervisor } : {}),
      ...(deps.topicNames?.reportStoredV2 ? { topic: deps.topicNames.reportStoredV2 } : {}),
      backoff: { initialMs: config.REPORT_RETRY_INITIAL_MS, maxMs: config.REPORT_RETRY_MAX_MS },
      maxAttempts: config.REPORT_MAX_ATTEMPTS,
      retryWindowMs: config.REPORT_RETRY_WINDOW_MS,
      onOutcome: (outcome) => outcomes.labels(name, outcome).inc(),
      onRetry: (error, attempt, delayMs) =>
        logger.warn({ output: name, code: error instanceof LungFlowError ? error.code : 'UNEXPECTED', err: error, attempt, delayMs }, 'result output: retriable failure; backing off without committing'),
    });
    runners.push({ name, runner });
  };

  if (config.REPORT_RIS_MLLP_HOST) {
    add(
      'hl7',
      config.REPORT_HL7_CONSUMER_GROUP,
      handleHl7Output({
        pacs,
        send: sendMllp,
        endpoint: { host: config.REPORT_RIS_MLLP_HOST, port: config.REPORT_RIS_MLLP_PORT, timeoutMs: config.REPORT_HL7_ACK_TIMEOUT_MS },
        parties: {
          sendingApplication: config.REPORT_HL7_SENDING_APPLICATION,
          sendingFacility: config.REPORT_HL7_SENDING_FACILITY,
          receivingApplication: config.REPORT_RIS_RECEIVING_APPLICATION,
          receivingFacility: config.REPORT_RIS_RECEIVING_FACILITY,
        },
        sent: new IdempotencyStore(deps.redis),
        sentTtlMs: config.REPORT_OUTPUT_DEDUP_TTL_MS,
        logger: logger.child({ output: 'hl7' }),
      }),
    );
  }
  if (config.REPORT_FHIR_URL) {
    const fhir = new FhirClient({ baseUrl: config.REPORT_FHIR_URL, timeoutMs: config.REPORT_FHIR_TIMEOUT_MS, ...(config.REPORT_FHIR_BEARER_TOKEN ? { bearerToken: config.REPORT_FHIR_BEARER_TOKEN } : {}) });
    add('fhir', config.REPORT_FHIR_CONSUMER_GROUP, handleFhirOutput({ pacs, fhir, logger: logger.child({ output: 'fhir' }) }));
  }
  if (config.REPORT_ORTHANC_URL) {
    const orthanc = new OrthancPriority({
      baseUrl: config.REPORT_ORTHANC_URL,
      metadataName: config.REPORT_ORTHANC_PRIORITY_METADATA,
      timeoutMs: config.DICOMWEB_TIMEOUT_MS ?? 30_000,
      ...(config.DICOMWEB_USERNAME ? { username: config.DICOMWEB_USERNAME, password: config.DICOMWEB_PASSWORD ?? '' } : {}),
    });
    add('pacs-priority', config.REPORT_PRIORITY_CONSUMER_GROUP, handlePacsPriority({ orthanc, logger: logger.child({ output: 'pacs-priority' }) }));
  }

  return {
    names: runners.map((r) => r.name),
    async start() {
      // One by one: each join is a short rebalance of its own group; none waits for another's peer.
      for (const { runner } of runners) await runner.start();
      if (runners.length > 0) logger.info({ outputs: runners.map((r) => r.name) }, 'result outputs started');
    },
    async stop() {
      await Promise.all(runners.map(({ name, runner }) => runner.stop().catch((error) => logger.warn({ err: error, output: name }, 'result output stop failed'))));
    },
  };
}
