import { classifyScope, dicomWebJsonToNaturalized } from '@lungflow/dicom';
import { requireAuthOffLoopback } from '@lungflow/config';
import { runMain, serveUntilSignal } from '@lungflow/http';
import { createLogger } from '@lungflow/logging';
import { build } from './app';
import { loadIngestConfig } from './config';

/** `node services/ingest/dist/main.js`: read the environment, start, listen, stop cleanly on SIGTERM/SIGINT. */
runMain(async () => {
  const config = loadIngestConfig();
  const logger = createLogger({ service: 'ingest', level: config.LOG_LEVEL });
  const open = requireAuthOffLoopback('ingest', config, { INGEST_STOW_BEARER_TOKEN: Boolean(process.env.INGEST_STOW_BEARER_TOKEN) });
  if (open) logger.warn(open);
  const service = await build(config, {
    // The shared scope rule; ingest applies its own CT slice minimum at series level (filter.ts).
    classify: (attrs) => classifyScope(attrs),
    toAttributes: (json) => dicomWebJsonToNaturalized(json) as Record<string, unknown>,
    logger,
    stowBearerToken: process.env.INGEST_STOW_BEARER_TOKEN || undefined,
  });
  await serveUntilSignal(service, { host: config.HTTP_HOST, port: config.INGEST_HTTP_PORT, logger });
});
