import { classifyScope, dicomWebJsonToNaturalized } from '@lungflow/dicom';
import { createLogger } from '@lungflow/logging';
import { build } from './app';
import { loadIngestConfig } from './config';

/** `node services/ingest/dist/main.js`: read the environment, start, listen, stop cleanly on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = loadIngestConfig();
  const logger = createLogger({ service: 'ingest', level: config.LOG_LEVEL });
  const service = await build(config, {
    // The shared scope rule; ingest applies its own CT slice minimum at series level (filter.ts).
    classify: (attrs) => classifyScope(attrs),
    toAttributes: (json) => dicomWebJsonToNaturalized(json) as Record<string, unknown>,
    logger,
    stowBearerToken: process.env.INGEST_STOW_BEARER_TOKEN || undefined,
  });
  await service.start();
  await service.app.listen({ host: config.HTTP_HOST, port: config.INGEST_HTTP_PORT });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    const timer = setTimeout(() => process.exit(1), 15_000).unref();
    await service.stop();
    clearTimeout(timer);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
