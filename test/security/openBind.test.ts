import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/paths';

/**
 * Issue 16, item 10: ingest (STOW) and report (worklist, images, SSE) bound beyond loopback with no credentials
 * must not start. The built services are run as a scheduler would, with nothing else up: the check comes before any
 * connection, so each exits at once with a message that names the variables to set.
 */
const SERVICES = [
  { service: 'ingest', main: 'services/ingest/dist/main.js', credential: 'INGEST_STOW_BEARER_TOKEN' },
  { service: 'report', main: 'services/report/dist/main.js', credential: 'REPORT_API_TOKEN' },
];

function start(main: string, env: Record<string, string>) {
  // unreachable peers: a service that got past the check would sit retrying, and the 15 s timeout would say so
  const peers = { KAFKA_BROKERS: '127.0.0.1:1', REDIS_URL: 'redis://127.0.0.1:1', DICOMWEB_URL: 'http://127.0.0.1:1/dicom-web' };
  return spawnSync(process.execPath, [join(REPO_ROOT, main)], { env: { PATH: process.env.PATH ?? '', ...peers, INGEST_HTTP_PORT: '45981', REPORT_HTTP_PORT: '45983', ...env }, encoding: 'utf8', timeout: 15_000 });
}

describe.each(SERVICES)('$service on a non-loopback address', ({ service, main, credential }) => {
  it('refuses to start without credentials and names what to set', () => {
    const run = start(main, { HTTP_HOST: '0.0.0.0' });
    expect(run.error).toBeUndefined(); // not killed by the timeout
    expect(run.status).not.toBe(0);
    expect(`${run.stdout}${run.stderr}`).toContain(`${service} would listen on 0.0.0.0 with no authentication: set ${credential}`);
  });
});
