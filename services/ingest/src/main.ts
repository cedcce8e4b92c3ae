import * as dicom from '@lungflow/dicom';
import { dicomWebJsonToNaturalized } from '@lungflow/dicom';
import { ConfigError } from '@lungflow/errors';
import { createLogger } from '@lungflow/logging';
import { build } from './app';
import { loadIngestConfig } from './config';
import type { ScopeClassifier } from './filter';

/** `node services/ingest/dist/main.js`: read the environment, start, listen, stop cleanly on SIGTERM/SIGINT. */
// The shared scope rule is being written in libs/dicom/src/scope (classifyScope); until it is exported, refuse to
// start rather than guess which studies are in scope.
function sharedClassifier(): ScopeClassifier {
  const classify = (dicom as Record<string, unknown>).classifyScope;
  if (typeof classify !== 'function') throw new ConfigError('@lungflow/dicom does not export classifyScope yet');
  return classify as ScopeClassifier;
}

async function main(): Promise<void> {
  const config = loadIngestConfig();
  const classifyScope = sharedClassifier();
  const logger = createLogger({ service: 'ingest', level: config.LOG_LEVEL });
  const service = await build(config, {
    classify: classifyScope,
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
