/**
 * `npm run bench:pipeline`: the whole stack (Orthanc, Kafka, Redis, ingest, infer, report of deploy/local) on this
 * machine. Stores single-image CXR studies (new UIDs over the committed samples) in a burst, then at a steady rate,
 * then one CT series, and follows every study by its events (study.received, inference.completed, report.stored).
 * Prints sustained studies/s, stored→SR percentiles (total and beyond the completeness wait), the time in each stage
 * (events, service logs and the services' Prometheus histograms), CPU seconds and peak RSS per process (/proc), and,
 * as the ceiling measured in the same run, Orthanc's own STOW rate for the same files.
 *
 * Settings (environment or `--name value`): BENCH_BURST (500), BENCH_RATE (2 studies/s), BENCH_STEADY_S (120),
 * BENCH_CT_SLICES (300; 0 skips), BENCH_BASELINE (100 studies for the STOW ceiling; 0 skips),
 * BENCH_STORE_CONCURRENCY (8 STOW requests in flight in the burst), BENCH_TIMEOUT_S (600 per phase).
 * The stack's ports come from the same variables as deploy/local/stack.sh (ORTHANC_HTTP_PORT, KAFKA_PORT, ...).
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TOPICS, decodeMessage, inferenceCompleted, reportStored, studyReceived } from '@lungflow/contracts';
import { DicomWebClient } from '@lungflow/dicomweb';
import { createKafka } from '@lungflow/kafka';
import { newUid, rewriteDicom } from '../../test/helpers/dicomFixtures';
import { stackSettings } from '../../test/helpers/stackSettings';
import { ProcMonitor } from './procStats';
import { histogramTotals, meanBetween, type HistogramTotals } from './prometheus';

const ROOT = path.resolve(__dirname, '../..');
const SHARED = process.env.LUNGFLOW_SHARED_DIR ? path.resolve(process.env.LUNGFLOW_SHARED_DIR, 'data') : path.resolve(ROOT, '../shared/data');
const STATE = process.env.LUNGFLOW_STATE_DIR ?? path.join(ROOT, '.lungflow');

function setting(name: string, fallback: number): number {
  const flag = `--${name.replace(/^BENCH_/, '').toLowerCase().replace(/_/g, '-')}`;
  const at = process.argv.indexOf(flag);
  const raw = at >= 0 ? process.argv[at + 1] : process.env[name];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} (${flag}) must be a non-negative number, got "${raw}"`);
  return value;
}

const BURST = setting('BENCH_BURST', 500);
const RATE = setting('BENCH_RATE', 2);
const STEADY_S = setting('BENCH_STEADY_S', 120);
const CT_SLICES = setting('BENCH_CT_SLICES', 300);
const BASELINE = setting('BENCH_BASELINE', 100);
const STORE_CONCURRENCY = Math.max(1, setting('BENCH_STORE_CONCURRENCY', 8));
const TIMEOUT_MS = setting('BENCH_TIMEOUT_S', 600) * 1000;

const stack = stackSettings();
const pacs = new DicomWebClient({ baseUrl: stack.dicomwebUrl, auth: { username: stack.username, password: stack.password }, timeoutMs: 120_000 });
const servicePorts = {
  ingest: Number(process.env.INGEST_HTTP_PORT ?? 8081),
  infer: Number(process.env.INFER_HTTP_PORT ?? 8082),
  report: Number(process.env.REPORT_HTTP_PORT ?? 8083),
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (values: number[], p: number): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  return sorted[lo] + (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]) * (rank - lo);
};
const mean = (values: number[]): number => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN);
const fmt = (value: number, digits = 2): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const loadNow = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' ');

/** What the bench learns about one study, all in epoch ms. */
interface Track {
  stored?: number;
  seen?: number;
  published?: number;
  inferStarted?: number;
  inferFinished?: number;
  reportStored?: number;
}

function ensureStack(): void {
  try {
    execFileSync('bash', [path.join(ROOT, 'deploy/local/stack.sh'), 'check'], { stdio: 'ignore' });
  } catch {
    console.log('stack not (fully) up: starting it (deploy/local/stack.sh up)');
    execFileSync('bash', [path.join(ROOT, 'deploy/local/stack.sh'), 'up'], { stdio: 'inherit' });
  }
}

function stackPids(): Record<string, number> {
  const run = path.join(STATE, 'run');
  const pids: Record<string, number> = {};
  for (const file of readdirSync(run)) if (file.endsWith('.pid')) pids[file.slice(0, -4)] = Number(readFileSync(path.join(run, file), 'utf8').trim());
  return pids;
}

async function scrapeAll(): Promise<Record<string, HistogramTotals>> {
  const out: Record<string, HistogramTotals> = {};
  for (const [name, port] of Object.entries(servicePorts)) {
    const response = await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => undefined);
    out[name] = histogramTotals(response?.ok ? await response.text() : '');
  }
  return out;
}

/** Chest radiographs to copy: the committed CR/DX samples (modality from samples.json). */
function radiographTemplates(): Buffer[] {
  const listing = JSON.parse(readFileSync(path.join(ROOT, 'samples/samples.json'), 'utf8')) as Array<{ file: string; modality: string }>;
  return listing.filter((s) => s.modality === 'CR' || s.modality === 'DX').map((s) => readFileSync(path.join(ROOT, 'samples', s.file)));
}

function makeStudies(templates: Buffer[], count: number, set: Record<string, string> = {}): Array<{ studyUid: string; part10: Buffer }> {
  return Array.from({ length: count }, (_, i) => {
    const studyUid = newUid();
    return { studyUid, part10: rewriteDicom(templates[i % templates.length], { studyUid, seriesUid: newUid(), set: { AccessionNumber: `BENCH${i}`, ...set } }) };
  });
}

/** A CT series of `slices` instances from real axial CT slices of ../shared/data (one patient, new UIDs). */
function makeCtSeries(slices: number): { studyUid: string; instances: Buffer[] } {
  const dir = path.join(SHARED, 'dicom/tcia_covid19_ny_sbu/A048383/axial');
  const sources = readdirSync(dir).filter((f) => f.endsWith('.dcm')).sort().map((f) => readFileSync(path.join(dir, f)));
  const studyUid = newUid();
  const seriesUid = newUid();
  const instances = Array.from({ length: slices }, (_, i) =>
    rewriteDicom(sources[i % sources.length], { studyUid, seriesUid, set: { InstanceNumber: String(i + 1), AccessionNumber: 'BENCHCT' } }),
  );
  return { studyUid, instances };
}

async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        await fn(items[index], index);
      }
    }),
  );
}

/** Follows the three event topics (a fresh consumer group, from now on) and ingest's "study seen" log lines. */
class Tracker {
  readonly tracks = new Map<string, Track>();
  private readonly kafka = createKafka({ brokers: stack.kafkaBrokers, clientId: 'lungflow-bench' });
  private readonly consumer = this.kafka.consumer({ groupId: `bench-pipeline-${randomUUID()}`, maxWaitTimeInMs: 100 });
  private logOffset = 0;
  private readonly ingestLog = path.join(STATE, 'logs/ingest.log');

  track(uid: string): Track {
    let t = this.tracks.get(uid);
    if (!t) this.tracks.set(uid, (t = {}));
    return t;
  }

  async start(): Promise<void> {
    this.logOffset = existsSync(this.ingestLog) ? statSync(this.ingestLog).size : 0;
    await this.consumer.connect();
    const topics = [TOPICS.studyReceived.name, TOPICS.inferenceCompleted.name, TOPICS.reportStored.name];
    await this.consumer.subscribe({ topics, fromBeginning: false });
    const joined = new Promise<void>((resolve) => this.consumer.on(this.consumer.events.GROUP_JOIN, () => resolve()));
    await this.consumer.run({
      eachMessage: async ({ topic, message }) => {
        if (topic === TOPICS.studyReceived.name) {
          const { value } = decodeMessage(studyReceived, message.key, message.value);
          if (value.studyVersion === 1) this.track(value.studyInstanceUid).published = Date.parse(value.receivedAt);
        } else if (topic === TOPICS.inferenceCompleted.name) {
          const { value } = decodeMessage(inferenceCompleted, message.key, message.value);
          const t = this.track(value.studyInstanceUid);
          t.inferStarted ??= Date.parse(value.provenance.startedAt);
          t.inferFinished ??= Date.parse(value.provenance.finishedAt);
        } else {
          const { value } = decodeMessage(reportStored, message.key, message.value);
          this.track(value.studyInstanceUid).reportStored ??= Date.parse(value.storedAt);
        }
      },
    });
    await joined;
    // Partitions are assigned from the latest offset once the group has joined; a short pause lets the fetch start.
    await sleep(1_000);
  }

  /** Reads ingest's log lines written since start: the time each study was first seen ("change detected"). */
  readSeen(): void {
    if (!existsSync(this.ingestLog)) return;
    const text = readFileSync(this.ingestLog, 'utf8').slice(this.logOffset);
    for (const line of text.split('\n')) {
      if (!line.includes('"study seen"')) continue;
      try {
        const entry = JSON.parse(line) as { time: string | number; studyInstanceUid?: string };
        const t = entry.studyInstanceUid ? this.tracks.get(entry.studyInstanceUid) : undefined;
        if (t && t.seen === undefined) t.seen = typeof entry.time === 'number' ? entry.time : Date.parse(entry.time);
      } catch {
        // a partial last line
      }
    }
  }

  async waitFor(uids: string[], timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (uids.every((uid) => this.tracks.get(uid)?.reportStored !== undefined)) return true;
      await sleep(200);
    }
    return false;
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}

interface PhaseResult {
  name: string;
  studies: number;
  load: string;
  wallSeconds: number;
  storeSeconds: number;
  complete: number;
  sustained: number;
  total: number[];
  beyond: number[];
  wait: number[];
  stages: Record<string, number>;
  histograms: Record<string, { mean: number; count: number }>;
  processes: Record<string, { cpuSeconds: number; peakRssMiB: number }>;
}

async function phase(
  name: string,
  tracker: Tracker,
  pids: Record<string, number>,
  uids: string[],
  store: () => Promise<void>,
): Promise<PhaseResult> {
  const monitor = new ProcMonitor(pids);
  const before = await scrapeAll();
  const load = loadNow();
  for (const uid of uids) tracker.track(uid);
  monitor.begin();
  const started = Date.now();
  await store();
  const storeSeconds = (Date.now() - started) / 1000;
  const ok = await tracker.waitFor(uids, TIMEOUT_MS);
  const wallSeconds = (Date.now() - started) / 1000;
  const processes = monitor.end();
  const after = await scrapeAll();
  tracker.readSeen();
  if (!ok) console.log(`${name}: timed out after ${TIMEOUT_MS / 1000} s; figures cover the studies that finished`);

  const tracks = uids.map((uid) => tracker.tracks.get(uid) as Track);
  const done = tracks.filter((t) => t.reportStored !== undefined && t.stored !== undefined);
  const seconds = (from: keyof Track, to: keyof Track) =>
    done.filter((t) => t[from] !== undefined && t[to] !== undefined).map((t) => ((t[to] as number) - (t[from] as number)) / 1000);
  const lastSr = Math.max(...done.map((t) => t.reportStored as number));
  const histograms: Record<string, { mean: number; count: number }> = {};
  for (const service of Object.keys(servicePorts)) {
    for (const [key, value] of meanBetween(before[service], after[service])) histograms[key] = value;
  }
  return {
    name,
    studies: uids.length,
    load,
    wallSeconds,
    storeSeconds,
    complete: done.length,
    sustained: done.length / ((lastSr - started) / 1000),
    total: seconds('stored', 'reportStored'),
    beyond: seconds('published', 'reportStored'),
    wait: seconds('stored', 'published'),
    stages: {
      'stored → seen by ingest (change detected)': mean(seconds('stored', 'seen')),
      'seen → published (completeness, filter, Kafka ack)': mean(seconds('seen', 'published')),
      'published → infer started (Kafka fetch, queue)': mean(seconds('published', 'inferStarted')),
      'infer started → finished (fetch, model)': mean(seconds('inferStarted', 'inferFinished')),
      'infer finished → SR+SC stored (report)': mean(seconds('inferFinished', 'reportStored')),
    },
    histograms,
    processes,
  };
}

function printPhase(result: PhaseResult): void {
  console.log(`\n## ${result.name}: ${result.complete}/${result.studies} studies reached SR+SC (load average at start ${result.load}; now ${loadNow()})`);
  console.log(`stores took ${fmt(result.storeSeconds)} s (${fmt(result.studies / result.storeSeconds, 1)} studies/s offered); last SR after ${fmt(result.wallSeconds)} s`);
  console.log(`sustained: ${fmt(result.sustained, 2)} studies/s (studies that reached SR / first store → last SR)`);
  console.log('| stored→SR (s) | p50 | p95 | p99 | max |');
  console.log('|---|---|---|---|---|');
  for (const [label, values] of [['total', result.total], ['completeness wait (stored→published)', result.wait], ['beyond the completeness wait (published→SR)', result.beyond]] as const) {
    console.log(`| ${label} | ${fmt(percentile(values, 50))} | ${fmt(percentile(values, 95))} | ${fmt(percentile(values, 99))} | ${fmt(Math.max(...values))} |`);
  }
  console.log('| stage (events and ingest log; mean s per study) | s |');
  console.log('|---|---|');
  for (const [label, value] of Object.entries(result.stages)) console.log(`| ${label} | ${fmt(value, 3)} |`);
  console.log('| service histogram (mean s per observation) | mean | observations |');
  console.log('|---|---|---|');
  for (const [key, value] of Object.entries(result.histograms)) {
    if (/_seconds/.test(key)) console.log(`| ${key} | ${fmt(value.mean, 4)} | ${value.count} |`);
  }
  console.log('| process | CPU s | CPU s per study | peak RSS MiB |');
  console.log('|---|---|---|---|');
  for (const [name, value] of Object.entries(result.processes)) {
    console.log(`| ${name} | ${fmt(value.cpuSeconds, 1)} | ${fmt(value.cpuSeconds / result.studies, 3)} | ${fmt(value.peakRssMiB, 0)} |`);
  }
}

async function main(): Promise<void> {
  console.log(`bench:pipeline on ${os.cpus().length} CPU(s), load average ${loadNow()}; burst ${BURST}, steady ${RATE}/s for ${STEADY_S} s, CT ${CT_SLICES} slices, STOW baseline ${BASELINE}`);
  ensureStack();
  const pids = stackPids();
  const templates = radiographTemplates();
  const tracker = new Tracker();
  await tracker.start();
  const results: PhaseResult[] = [];
  const summary: Record<string, unknown> = { startedAt: new Date().toISOString(), cpus: os.cpus().length, settings: { BURST, RATE, STEADY_S, CT_SLICES, BASELINE, STORE_CONCURRENCY } };

  try {
    if (BASELINE > 0) {
      // The ceiling: Orthanc storing the same files with the same concurrency. Head studies are out of scope, so
      // ingest only looks at them once and nothing downstream runs.
      const studies = makeStudies(templates, BASELINE, { BodyPartExamined: 'HEAD', StudyDescription: 'HEAD', SeriesDescription: 'HEAD' });
      const monitor = new ProcMonitor(pids);
      monitor.begin();
      const started = Date.now();
      await mapLimit(studies, STORE_CONCURRENCY, async (s) => void (await pacs.storeInstances([s.part10], s.studyUid)));
      const seconds = (Date.now() - started) / 1000;
      const orthancCpu = monitor.end().orthanc?.cpuSeconds ?? Number.NaN;
      summary.stowBaseline = { studies: BASELINE, seconds, perSecond: BASELINE / seconds, orthancCpuSecondsPerStudy: orthancCpu / BASELINE };
      console.log(`\n## Orthanc STOW ceiling: ${BASELINE} single-image studies in ${fmt(seconds)} s = ${fmt(BASELINE / seconds, 1)} studies/s (${STORE_CONCURRENCY} in flight; Orthanc ${fmt((orthancCpu / BASELINE) * 1000, 1)} ms CPU per study)`);
      await sleep(3_000);
    }

    if (BURST > 0) {
      const studies = makeStudies(templates, BURST);
      const result = await phase(`burst of ${BURST}`, tracker, pids, studies.map((s) => s.studyUid), () =>
        mapLimit(studies, STORE_CONCURRENCY, async (s) => {
          await pacs.storeInstances([s.part10], s.studyUid);
          tracker.track(s.studyUid).stored = Date.now();
        }),
      );
      printPhase(result);
      results.push(result);
    }

    if (RATE > 0 && STEADY_S > 0) {
      const count = Math.round(RATE * STEADY_S);
      const studies = makeStudies(templates, count);
      const result = await phase(`steady ${RATE} studies/s for ${STEADY_S} s`, tracker, pids, studies.map((s) => s.studyUid), async () => {
        const t0 = Date.now();
        const pending: Array<Promise<void>> = [];
        for (const [i, s] of studies.entries()) {
          const due = t0 + (i * 1000) / RATE;
          if (due > Date.now()) await sleep(due - Date.now());
          pending.push(pacs.storeInstances([s.part10], s.studyUid).then(() => void (tracker.track(s.studyUid).stored = Date.now())));
        }
        await Promise.all(pending);
      });
      printPhase(result);
      results.push(result);
    }

    if (CT_SLICES > 0) {
      const ct = makeCtSeries(CT_SLICES);
      const chunks: Buffer[][] = [];
      for (let i = 0; i < ct.instances.length; i += 25) chunks.push(ct.instances.slice(i, i + 25));
      const result = await phase(`CT series of ${CT_SLICES} slices`, tracker, pids, [ct.studyUid], async () => {
        await mapLimit(chunks, 4, async (chunk) => void (await pacs.storeInstances(chunk, ct.studyUid)));
        tracker.track(ct.studyUid).stored = Date.now();
      });
      printPhase(result);
      results.push(result);
    }
  } finally {
    await tracker.stop();
  }

  const outDir = path.join(ROOT, 'bench/output');
  mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, `pipeline-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ ...summary, finishedAt: new Date().toISOString(), results }, null, 2));
  console.log(`\nraw figures: ${path.relative(ROOT, file)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
