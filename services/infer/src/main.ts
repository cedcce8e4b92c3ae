import { runMain, serveUntilSignal } from '@lungflow/http';
import { build } from './app';
import { loadInferConfig } from './config';

/** `node services/infer/dist/main.js`: read the environment, start, listen, stop cleanly on SIGTERM/SIGINT. */
runMain(async () => {
  const config = loadInferConfig();
  const service = await build(config);
  await serveUntilSignal(service, { host: config.HTTP_HOST, port: config.INFER_HTTP_PORT });
});
