import path from 'node:path';
import { z } from 'zod';
import { commonSettings, env, loadConfig } from '@lungflow/config';
import { outputSettings } from './outputs/outputSettings';
import { exportSettings } from './export/exportSettings';
import { authAndReviewSettings } from './auth/authSettings';
import { MAX_ATTEMPTS_CEILING } from '@lungflow/errors';

/** Report's settings (environment variables; see README). */
export const reportSettings = commonSettings.extend({
  REPORT_HTTP_PORT: env.port(8083),
  REPORT_CONSUMER_GROUP: z.string().default('lungflow-report'),
  /**
   * How long one result is retried through retriable failures (PACS outage, 401/403 of a rotating credential,
   * 429/503 rate limiting, Redis or Kafka down) before it is dead-lettered with the PACS's answer, counted from its
   * first failure (issue 16 item 4). Meanwhile the consumer heartbeats and commits nothing, so the partition pauses
   * and every later result waits behind it: a PACS outage within the window costs no dead letter and no replay.
   * 4 hours covers a night's PACS maintenance; a shorter window (30 min) would dead-letter one result per
   * partition per window of a long outage, each needing `lungflow deadletter replay`. After the window the partition
   * moves on, so a result that can never be stored does not block it for good.
   */
  REPORT_RETRY_WINDOW_MS: env.positiveInt(4 * 60 * 60 * 1000),
  /**
   * Attempts for a retriable failure before the dead letter, on top of the window: the retry policy's ceiling by
   * default (about 4 to 8 hours at the 30 s backoff cap), so the window is what ends a PACS outage.
   */
  REPORT_MAX_ATTEMPTS: env.positiveInt(MAX_ATTEMPTS_CEILING),
  REPORT_RETRY_INITIAL_MS: env.positiveInt(500),
  REPORT_RETRY_MAX_MS: env.positiveInt(30_000),
  /**
   * inference.completed partitions handled at once: each result waits on the PACS (fetch, QIDO, STOW) for much of
   * its time, so one at a time leaves the CPU idle while a burst queues.
   */
  REPORT_CONCURRENT_RESULTS: env.positiveInt(4),
  REPORT_REDIS_PREFIX: z.string().default('lungflow:report:'),
  /** Bearer token the worklist API and page require; unset: no authentication (development only). */
  REPORT_API_TOKEN: env.optionalString(),
  /** Folder of model releases (their card.json gives class codes and limitations); the repository's models/ by default. */
  MODEL_DIR: env.optionalString(),
  /** Create missing Kafka topics from TOPICS at start (off where an operator manages topics). */
  REPORT_CREATE_TOPICS: env.bool(true),
  /**
   * How often report checks that Redis still holds its worklist (README, "When Redis loses its data"); a lost one is
   * rebuilt from report.stored and inference.completed. 0: never (neither at start).
   */
  REPORT_WORKLIST_CHECK_MS: env.nonNegativeInt(10_000),
  ...exportSettings,
}).extend(outputSettings.shape).extend(authAndReviewSettings);

export type ReportConfig = z.infer<typeof reportSettings>;

export function loadReportConfig(source: NodeJS.ProcessEnv = process.env): ReportConfig {
  return loadConfig(reportSettings, source);
}

/** The repository's `models/` when MODEL_DIR is unset (this file sits in services/report/{src,dist}). */
export function modelDir(config: Pick<ReportConfig, 'MODEL_DIR'>): string {
  return path.resolve(config.MODEL_DIR ?? path.resolve(__dirname, '../../../models'));
}
