import { createLogger } from '@lungflow/logging';
import { build } from './app';
import { loadReportConfig } from './config';

/** `node services/report/dist/main.js`: read the environment, start, listen, stop cleanly on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = loadReportConfig();
  const logger = createLogger({ service: 'report', level: config.LOG_LEVEL });
  const service = await build(config, { logger });
  await service.start();
  await service.app.listen({ host: config.HTTP_HOST, port: config.REPORT_HTTP_PORT });

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
