import { requireAuthOffLoopback } from '@lungflow/config';
import { runMain, serveUntilSignal } from '@lungflow/http';
import { createLogger } from '@lungflow/logging';
import { build } from './app';
import { loadReportConfig } from './config';

/** `node services/report/dist/main.js`: read the environment, start, listen, stop cleanly on SIGTERM/SIGINT. */
runMain(async () => {
  const config = loadReportConfig();
  const logger = createLogger({ service: 'report', level: config.LOG_LEVEL });
  const open = requireAuthOffLoopback('report', config, {
    REPORT_API_TOKEN: Boolean(config.REPORT_API_TOKEN),
    REPORT_AUTH_PROXY_HEADER: Boolean(config.REPORT_AUTH_PROXY_HEADER),
    REPORT_USERS_FILE: Boolean(config.REPORT_USERS_FILE),
  });
  if (open) logger.warn(open);
  const service = await build(config, { logger });
  await serveUntilSignal(service, { host: config.HTTP_HOST, port: config.REPORT_HTTP_PORT, logger });
});
