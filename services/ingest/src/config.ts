import { z } from 'zod';
import { commonSettings, env, loadConfig } from '@lungflow/config';
import { dimseSettings } from './dimse/dimseSettings';

/** Ingest's settings (environment variables; see README). */
export const ingestSettings = commonSettings.extend({
  INGEST_HTTP_PORT: env.port(8081),
  /** Which PACS feed to poll; STOW-RS push is always on. `none`: push only. */
  INGEST_MODE: z.enum(['orthanc-changes', 'qido', 'both', 'none']).default('orthanc-changes'),
  INGEST_POLL_INTERVAL_MS: env.positiveInt(2_000),
  /** A study is complete once its instance set has not changed for this long. */
  INGEST_QUIET_PERIOD_MS: env.positiveInt(30_000),
  /**
   * A touched study is first looked at after this long; a single-instance CR/DX study is then published at once,
   * everything else waits the quiet period (README, "single-image radiographs"). 0: no fast path.
   */
  INGEST_RADIOGRAPH_SETTLE_MS: env.nonNegativeInt(300),
  /** Studies looked at concurrently in one settle pass (PACS query, metadata, Kafka ack per study). */
  INGEST_LOOKS_IN_PARALLEL: env.positiveInt(8),
  /** CT series with fewer slices (instances × frames) than this are too thin to classify. */
  INGEST_CT_MIN_SLICES: env.positiveInt(20),
  /** Names this PACS in events and in Redis keys (cursors, idempotency). */
  INGEST_PACS_ID: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/).default('orthanc-local'),
  /** Orthanc's REST root (for `/changes`); defaults to DICOMWEB_URL without its last path segment. */
  INGEST_ORTHANC_URL: env.optionalString(),
  /** Where a missing cursor (first start, or Redis lost its data) begins in Orthanc's change feed: `now` (less the replay window) or `beginning`. */
  INGEST_ORTHANC_START: z.enum(['now', 'beginning']).default('now'),
  /**
   * With INGEST_ORTHANC_START=now, a missing cursor begins this long before now (Orthanc's change dates), so the
   * studies pending when Redis lost its data are looked at again (README, "When Redis loses its data"). 0: none.
   */
  INGEST_ORTHANC_REPLAY_MS: env.nonNegativeInt(30 * 60_000),
  /** QIDO polling looks back this far on a first start (StudyDate granularity: days). */
  INGEST_QIDO_LOOKBACK_DAYS: env.positiveInt(1),
  INGEST_REDIS_PREFIX: z.string().default('lungflow:ingest:'),
  /** How long "this study version was published" is remembered (idempotency across replicas and restarts). */
  INGEST_PUBLISHED_TTL_MS: env.positiveInt(30 * 24 * 3_600_000),
  /** Largest STOW-RS request accepted (bytes). */
  INGEST_STOW_MAX_BYTES: env.positiveInt(1_024 * 1_024 * 1_024),
  /** Create missing Kafka topics from TOPICS at start (off where an operator manages topics). */
  INGEST_CREATE_TOPICS: env.bool(true),
  ...dimseSettings,
});

export type IngestConfig = z.infer<typeof ingestSettings>;

export function loadIngestConfig(source: NodeJS.ProcessEnv = process.env): IngestConfig {
  return loadConfig(ingestSettings, source);
}

/** Orthanc serves its REST API at the root and DICOMweb under a path (`/dicom-web` by default). */
export function orthancRestUrl(config: Pick<IngestConfig, 'INGEST_ORTHANC_URL' | 'DICOMWEB_URL'>): string {
  if (config.INGEST_ORTHANC_URL) return config.INGEST_ORTHANC_URL.replace(/\/+$/, '');
  const url = new URL(config.DICOMWEB_URL);
  url.pathname = url.pathname.replace(/\/+$/, '').replace(/\/[^/]*$/, '');
  return url.toString().replace(/\/+$/, '');
}
