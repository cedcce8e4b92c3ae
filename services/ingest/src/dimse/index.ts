import { ConfigError } from '@lungflow/errors';
import type { Logger } from '@lungflow/logging';
import type { IngestConfig } from '../config';
import type { IngestMetrics } from '../metrics';
import { DimseReceiver } from './DimseReceiver';
import type { ForwardDeps } from './forwardInstance';

export { DimseReceiver } from './DimseReceiver';

/** The DIMSE receiver the configuration asks for, or undefined when INGEST_DIMSE_ENABLED is off. */
export function dimseReceiverFromConfig(config: IngestConfig, deps: ForwardDeps & { metrics: IngestMetrics; log: Logger }): DimseReceiver | undefined {
  if (!config.INGEST_DIMSE_ENABLED) return undefined;
  if (config.INGEST_DIMSE_ALLOWED_CALLING_AE_TITLES.length === 0) {
    // No silent default: admitting every sender is a decision (the local stack makes it with `*`).
    throw new ConfigError('Invalid configuration:\n  INGEST_DIMSE_ALLOWED_CALLING_AE_TITLES: required when INGEST_DIMSE_ENABLED is on (comma-separated AE titles, or * for any) (not set)');
  }
  return new DimseReceiver({
    ...deps,
    host: config.INGEST_DIMSE_HOST,
    port: config.INGEST_DIMSE_PORT,
    aeTitle: config.INGEST_DIMSE_AE_TITLE,
    allowedCallingAeTitles: config.INGEST_DIMSE_ALLOWED_CALLING_AE_TITLES,
  });
}
