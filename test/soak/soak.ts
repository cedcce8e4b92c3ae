/**
 * `npm run soak`: the whole pipeline on the real local stack under load and faults. See README.md.
 * Ends with `soak: N studies, L lost, D duplicate, Q dead-lettered with reason, F filtered; faults: K`; exit 1 when
 * L or D is not 0 (or a service crashed, or a message is left unconsumed, or a log line names a patient).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildMultipart, DicomWebClient } from '@lungflow/dicomweb';
import { createKafka } from '@lungflow/kafka';
import { PacsProxy } from '../helpers/PacsProxy';
import { REPO_ROOT } from '../helpers/paths';
import { stackSettings } from '../helpers/stackSettings';
import { FaultDriver, faultSchedule } from './FaultDriver';
import { ServiceFleet, type ServiceName } from './ServiceFleet';
import { consumerLag, readDeadLetters, readJsonLines, scanLogsForIdentity, verify } from './soakCheck';
import { SOAK_CT_SLICES, SoakStudyFactory, seededRandom, type SoakStudy } from './soakStudies';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const int = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer`);
  return value;
};
const started = Date.now();
const say = (line: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`);

async function main(): Promise<number> {
  const seed = int('SOAK_SEED', Date.now() % 2 ** 31);
  const total = int('SOAK_STUDIES', 300);
  const faultCount = int('SOAK_FAULTS', 20);
  const spanMs = int('SOAK_SPAN_MS', 300_000);
  const settleMs = int('SOAK_SETTLE_MS', 300_000);
  const stack = stackSettings();
  const stateDir = process.env.LUNGFLOW_STATE_DIR ?? join(REPO_ROOT, '.lungflow');
  const logDir = join(stateDir, 'logs');
  say(`soak seed ${seed} (replay: SOAK_SEED=${seed}), ${total} studies over ${spanMs / 1000} s, ${faultCount} faults`);

  await run('bash', [join(REPO_ROOT, 'deploy/local/stack.sh'), 'check', 'redis', 'orthanc', 'kafka'], { cwd: REPO_ROOT }).catch(() => {
    throw new Error('the local stack is not healthy: run `npm run stack:up` first (with the same port variables)');
  });
  // The soak runs its own two replicas of each service; the stack's single ones would compete for the same groups.
  await run('bash', [join(REPO_ROOT, 'deploy/local/stack.sh'), 'down', 'ingest', 'infer', 'report'], { cwd: REPO_ROOT });

  const proxy = new PacsProxy(int('SOAK_PACS_PROXY_PORT', 8047), stack.orthancHttpPort);
  await proxy.start();
  const viaProxy = `http://127.0.0.1:${proxy.port}`;
  const base: Record<string, string> = {
    KAFKA_BROKERS: stack.kafkaBrokers.join(','),
    REDIS_URL: stack.redisUrl,
    DICOMWEB_URL: `${viaProxy}/dicom-web`,
    DICOMWEB_USERNAME: stack.username,
    DICOMWEB_PASSWORD: stack.password,
    INGEST_ORTHANC_URL: viaProxy,
    HTTP_HOST: '127.0.0.1',
    INGEST_QUIET_PERIOD_MS: '2000',
    // The per-run prefixes below make every soak a first start: without this, ingest would replay the last 30 min
    // of the shared Orthanc's change feed (the integration tests' studies) before the soak's own.
    INGEST_ORTHANC_REPLAY_MS: '0',
    INGEST_CT_MIN_SLICES: String(SOAK_CT_SLICES),
    INFER_INTRA_OP_THREADS: '1',
    // Per run, so a replay starts from clean cursors and idempotency keys (the broker's groups stay the stack's).
    // The seed alone is not per run: a replay of the same seed found ingest's "already published" marks of the
    // first run and published nothing, so the first run's lost studies were counted lost again.
    INGEST_REDIS_PREFIX: `soak-${seed}-${started}:ingest:`,
    INFER_REDIS_PREFIX: `soak-${seed}-${started}:infer:`,
    REPORT_REDIS_PREFIX: `soak-${seed}-${started}:report:`,
  };
  const ports: Record<ServiceName, [number, number]> = {
    ingest: [int('INGEST_HTTP_PORT', 8081), int('SOAK_SECOND_INGEST_PORT', 8084)],
    infer: [int('INFER_HTTP_PORT', 8082), int('SOAK_SECOND_INFER_PORT', 8085)],
    report: [int('REPORT_HTTP_PORT', 8083), int('SOAK_SECOND_REPORT_PORT', 8086)],
  };
  const random = seededRandom(seed);
  const factory = new SoakStudyFactory(seed, random);
  const studies: SoakStudy[] = Array.from({ length: total }, (_, i) => factory.make(i));
  const fleet = new ServiceFleet(base, ports, logDir);
  say('starting two replicas of ingest, infer and report');
  // Interrupted (Ctrl-C, a CI timeout): the replicas are this process's children and must not outlive it.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void fleet.stopAll().finally(() => process.exit(130)));
  }
  try {
    return await soak({ seed, total, spanMs, settleMs, faultCount, stack, stateDir, logDir, proxy, ports, fleet, random, studies });
  } finally {
    await fleet.stopAll();
    await proxy.stop();
  }
}

interface SoakRun {
  seed: number;
  total: number;
  spanMs: number;
  settleMs: number;
  faultCount: number;
  stack: ReturnType<typeof stackSettings>;
  stateDir: string;
  logDir: string;
  proxy: PacsProxy;
  ports: Record<ServiceName, [number, number]>;
  fleet: ServiceFleet;
  random: () => number;
  studies: SoakStudy[];
}

async function soak({ seed, total, spanMs, settleMs, faultCount, stack, stateDir, logDir, proxy, ports, fleet, random, studies }: SoakRun): Promise<number> {
  await fleet.startAll();

  const schedule = faultSchedule(random, faultCount, fleet.replicas.map((r) => r.id), spanMs);
  const refused = new Map<string, string>();
  const driver = new FaultDriver(fleet, proxy, stateDir, say);
  const faults = driver.run(schedule, () => false);

  const auth = `Basic ${Buffer.from(`${stack.username}:${stack.password}`).toString('base64')}`;
  const store = (study: SoakStudy) => storeStudy(study, stack.orthancUrl, auth, ports.ingest, refused);
  say(`storing ${total} studies (${countBy(studies)})`);
  const gapMs = spanMs / Math.max(1, total);
  const inFlight = new Set<Promise<void>>();
  for (let i = 0; i < studies.length; i++) {
    // Steady arrivals, and every 40th study starts a burst of 10 at once (a modality flushing its queue).
    const burst = i % 40 >= 30;
    const sending = store(studies[i]!).finally(() => inFlight.delete(sending));
    inFlight.add(sending);
    while (inFlight.size >= 8) await Promise.race(inFlight);
    if (!burst) await sleep(gapMs * (0.5 + random()));
    if ((i + 1) % 50 === 0) say(`stored ${i + 1}/${total}`);
  }
  await Promise.all(inFlight);
  say('all studies stored; waiting for the remaining faults');
  await faults;

  const kafka = createKafka({ brokers: stack.kafkaBrokers, clientId: 'lungflow-soak', retries: 5 });
  const pacs = new DicomWebClient({ baseUrl: stack.dicomwebUrl, auth: { username: stack.username, password: stack.password } });
  say('waiting for quiescence (consumer lag 0 twice, 20 s apart)');
  const quietDeadline = Date.now() + settleMs;
  let lag: Record<string, number> = {};
  let zeroTimes = 0;
  while (Date.now() < quietDeadline && zeroTimes < 2) {
    await sleep(20_000);
    lag = await consumerLag(kafka).catch(() => ({ unknown: -1 }));
    zeroTimes = Object.values(lag).every((v) => v === 0) ? zeroTimes + 1 : 0;
    say(`consumer lag ${JSON.stringify(lag)}`);
  }

  const ingestLog = readJsonLines(fleet.replicas.filter((r) => r.service === 'ingest').map((r) => r.logFile));
  const deadLetters = await readDeadLetters(kafka);
  const verdicts = await verify(studies, refused, pacs, deadLetters, ingestLog);

  const lost = verdicts.filter((v) => v.outcome === 'lost');
  const duplicate = verdicts.filter((v) => v.outcome === 'duplicate');
  for (const v of [...lost, ...duplicate].slice(0, 30)) say(`${v.outcome}: study #${v.study.index} ${v.study.kind} via ${v.study.door} ${v.study.studyInstanceUid}: ${v.detail}`);
  const deadLettered = verdicts.filter((v) => v.outcome === 'ok' && v.detail.startsWith('dead-lettered')).length;
  const filtered = verdicts.filter((v) => v.outcome === 'ok' && v.detail.startsWith('filtered')).length;
  const refusedCount = verdicts.filter((v) => v.outcome === 'ok' && v.detail.startsWith('refused')).length;
  const scan = scanLogsForIdentity(logDir, studies);
  say(`refused at the door with a reason: ${refusedCount}; consumer lag at the end: ${JSON.stringify(lag)}`);
  say(`crashes (a service exiting by itself): ${fleet.crashes.length}${fleet.crashes.length ? `: ${fleet.crashes.join('; ')}` : ''}`);
  say(`log scan: ${scan.lines} lines in ${scan.files} service logs, ${scan.hits.length} naming a soak patient${scan.hits.length ? `: ${scan.hits.slice(0, 5).join('; ')}` : ''}`);
  say(`faults: ${driver.done.join(', ')}`);
  say(`took ${((Date.now() - started) / 60_000).toFixed(1)} min; seed ${seed}`);
  console.log(`soak: ${total} studies, ${lost.length} lost, ${duplicate.length} duplicate, ${deadLettered} dead-lettered with reason, ${filtered} filtered; faults: ${driver.done.length}`);
  const lagLeft = Object.values(lag).some((v) => v !== 0);
  return lost.length || duplicate.length || fleet.crashes.length || lagLeft || scan.hits.length ? 1 : 0;
}

function countBy(studies: readonly SoakStudy[]): string {
  const counts = new Map<string, number>();
  for (const s of studies) counts.set(s.kind, (counts.get(s.kind) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
}

/**
 * Stores a study as a modality would: straight into Orthanc (REST), or pushed to ingest (STOW-RS), retrying a
 * refused connection or a 5xx for up to 10 minutes; a 4xx answer is the door refusing the study, kept with its text.
 */
async function storeStudy(study: SoakStudy, orthancUrl: string, auth: string, ingestPorts: readonly number[], refused: Map<string, string>): Promise<void> {
  const deadline = Date.now() + 600_000;
  const attempt = async (send: () => Promise<Response>): Promise<void> => {
    for (let tries = 0; ; tries++) {
      try {
        const response = await send();
        const text = await response.text();
        if (response.ok) return;
        if (response.status < 500) {
          refused.set(study.studyInstanceUid, `HTTP ${response.status}: ${text.replace(/\s+/g, ' ').slice(0, 300)}`);
          return;
        }
      } catch {
        // connection refused or reset (a killed replica): try again
      }
      if (Date.now() > deadline) throw new Error(`study #${study.index} could not be stored for 10 minutes`);
      await sleep(Math.min(10_000, 500 * 2 ** Math.min(tries, 4)));
    }
  };
  if (study.door === 'orthanc-rest') {
    for (const bytes of study.instances) {
      await attempt(() => fetch(`${orthancUrl}/instances`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/dicom' }, body: bytes }));
    }
    return;
  }
  const { body, contentType } = buildMultipart(study.instances.map((bytes) => ({ body: new Uint8Array(bytes) })), { type: 'application/dicom' });
  let replica = study.index % ingestPorts.length;
  await attempt(() => {
    replica = (replica + 1) % ingestPorts.length;
    return fetch(`http://127.0.0.1:${ingestPorts[replica]}/dicom-web/studies`, { method: 'POST', headers: { 'content-type': contentType, accept: 'application/dicom+json' }, body });
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`soak: ${error instanceof Error ? error.stack : String(error)}`);
    process.exit(2);
  },
);
