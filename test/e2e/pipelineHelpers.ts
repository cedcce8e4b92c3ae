import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { TOPICS, decodeMessage, reportStored, type ReportStored } from '@lungflow/contracts';
import { readPart10, wrapImageAsDicom, type WrapImageOptions } from '@lungflow/dicom';
import { DicomWebClient, firstString } from '@lungflow/dicomweb';
import { createKafka } from '@lungflow/kafka';
import { createRedis } from '@lungflow/redis';
import { newUid, rewriteDicom, sharedDicom } from '../helpers/dicomFixtures';
import { REPO_ROOT, sharedDataDir } from '../helpers/paths';
import { stackSettings } from '../helpers/stackSettings';

const run = promisify(execFile);

export const SR_CLASS = '1.2.840.10008.5.1.4.1.1.88.34';
export const SC_CLASS = '1.2.840.10008.5.1.4.1.1.7';
export const SEG_CLASS = '1.2.840.10008.5.1.4.1.1.66.4';

export function pacs(): DicomWebClient {
  const s = stackSettings();
  return new DicomWebClient({ baseUrl: s.dicomwebUrl, auth: { username: s.username, password: s.password } });
}

export function reportUrl(): string {
  return `http://127.0.0.1:${process.env.REPORT_HTTP_PORT ?? '8083'}`;
}

export interface E2eStudy {
  label: string;
  studyUid: string;
  instances: Uint8Array[];
  inScope: boolean;
}

/** A PNG/JPEG from ../shared/data wrapped as CR or DX, with a synthetic patient and a fresh study seed. */
export async function wrappedStudy(label: string, image: string, modality: 'CR' | 'DX', extra: Partial<WrapImageOptions> = {}, inScope = true): Promise<E2eStudy> {
  const seed = `e2e/${label}/${newUid()}`;
  const today = new Date().toISOString().slice(0, 10).replace(/-/g, '');
  const wrapped = await wrapImageAsDicom({
    image: resolve(sharedDataDir(), image),
    modality,
    patient: { id: `LF-E2E-${label}`, sex: 'O' },
    studySeed: seed,
    studyDate: today,
    studyTime: '120000',
    studyDescription: 'XR CHEST',
    viewPosition: 'PA',
    maxSize: 1024,
    ...extra,
  });
  return { label, studyUid: wrapped.studyInstanceUid, instances: [wrapped.part10], inScope };
}

/** A chest CT series of `slices` real axial slices (NY-SBU, alternating two), each its own SOP Instance. */
export function chestCtStudy(slices: number): E2eStudy {
  const studyUid = newUid();
  const seriesUid = newUid();
  const sources = ['tcia_covid19_ny_sbu/A048383/axial/19001231-30.dcm', 'tcia_covid19_ny_sbu/A048383/axial/19010410-30.dcm'].map(sharedDicom);
  const instances = Array.from({ length: slices }, (_, i) => new Uint8Array(rewriteDicom(sources[i % 2] as Buffer, { studyUid, seriesUid, set: { InstanceNumber: String(i + 1) } })));
  return { label: 'ct-chest', studyUid, instances, inScope: true };
}

/** The real head CT (out of scope), as a series of `slices` instances. */
export function headCtStudy(slices: number): E2eStudy {
  const studyUid = newUid();
  const seriesUid = newUid();
  const source = sharedDicom('pydicom_data/693_J2KR.dcm');
  return { label: 'ct-head', studyUid, instances: Array.from({ length: slices }, () => new Uint8Array(rewriteDicom(source, { studyUid, seriesUid }))), inScope: false };
}

/** The real Enhanced CT of a head (multi-frame; out of scope). */
export function enhancedHeadCtStudy(): E2eStudy {
  const studyUid = newUid();
  return { label: 'ct-head-enhanced', studyUid, instances: [new Uint8Array(rewriteDicom(sharedDicom('pydicom_data/eCT_Supplemental.dcm'), { studyUid, seriesUid: newUid() }))], inScope: false };
}

/** SOP Class UIDs of every instance the PACS holds for a study. */
export async function instanceClasses(studyUid: string): Promise<Array<{ sopClassUid: string; sopInstanceUid: string; seriesInstanceUid: string }>> {
  const found = await pacs().searchInstances({ includefield: ['00080016', '0020000E'] }, studyUid);
  return found.map((json) => ({ sopClassUid: firstString(json, '00080016') ?? '', sopInstanceUid: firstString(json, '00080018') ?? '', seriesInstanceUid: firstString(json, '0020000E') ?? '' }));
}

/** Writes a study's files to a fresh folder (for `lungflow analyze`). */
export function writeStudy(study: E2eStudy): string {
  const dir = mkdtempSync(join(tmpdir(), `lungflow-e2e-${study.label}-`));
  study.instances.forEach((bytes, i) => writeFileSync(join(dir, `${String(i + 1).padStart(3, '0')}.dcm`), bytes));
  return study.instances.length === 1 ? join(dir, '001.dcm') : dir;
}

/** `lungflow analyze --json` on a file or folder: the study-level probabilities the CLI prints. */
export async function analyzeWithCli(target: string): Promise<Record<string, number>> {
  const { stdout } = await run(process.execPath, [join(REPO_ROOT, 'cli/bin/lungflow.js'), 'analyze', '--json', '--no-progress', '--threads', '1', target], { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 });
  const line = stdout.trim().split('\n').pop() ?? '';
  const result = JSON.parse(line) as { ok: boolean; probabilities: Record<string, number>; error?: unknown };
  if (!result.ok) throw new Error(`lungflow analyze failed on ${target}: ${JSON.stringify(result.error)}`);
  return result.probabilities;
}

type Item = Record<string, unknown> & { ValueType?: string; ContentSequence?: Item[] };
type CodeItem = { CodeValue?: string; LongCodeValue?: string; CodeMeaning?: string };

/**
 * Probabilities in a TID 1500 SR by Finding code: each Measurement Group holds a Finding (CODE) and a NUM.
 * Returns code value → probability.
 */
export function srProbabilities(part10: Uint8Array): Record<string, number> {
  const out: Record<string, number> = {};
  const first = (value: unknown): CodeItem | undefined => (Array.isArray(value) ? value[0] : value) as CodeItem | undefined;
  const walk = (items: Item[] | undefined) => {
    for (const item of items ?? []) {
      const children = item.ContentSequence ?? [];
      const finding = children.find((c) => c.ValueType === 'CODE' && first(c.ConceptNameCodeSequence)?.CodeMeaning === 'Finding');
      const num = children.find((c) => c.ValueType === 'NUM');
      if (finding && num) {
        const code = first(finding.ConceptCodeSequence);
        const measured = first(num.MeasuredValueSequence) as { NumericValue?: unknown } | undefined;
        out[code?.CodeValue ?? code?.LongCodeValue ?? '?'] = Number(Array.isArray(measured?.NumericValue) ? measured?.NumericValue[0] : measured?.NumericValue);
      }
      walk(children);
    }
  };
  walk((readPart10(part10).dataset as Item).ContentSequence);
  return out;
}

export async function waitUntil<T>(what: string, deadlineMs: number, probe: () => Promise<T | undefined>, everyMs = 1_000): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadlineMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function stackIsUp(): Promise<boolean> {
  try {
    await run('bash', [join(REPO_ROOT, 'deploy/local/stack.sh'), 'check'], { cwd: REPO_ROOT });
    return true;
  } catch {
    return false;
  }
}

/**
 * Every `report.stored` the stack's report service publishes for one study, read from the topic's beginning by a
 * throw-away consumer group: how a test knows report has finished a pass over the study (its SR/SC write included).
 */
export function reportStoredOf(studyUid: string): { atLeast: (count: number, timeoutMs: number) => Promise<void>; events: () => ReportStored[]; stop: () => Promise<void> } {
  const kafka = createKafka({ brokers: stackSettings().kafkaBrokers, clientId: 'lungflow-e2e' });
  const consumer = kafka.consumer({ groupId: `e2e-report-stored-${randomUUID()}` });
  const seen: ReportStored[] = [];
  const started = (async () => {
    await consumer.connect();
    await consumer.subscribe({ topic: TOPICS.reportStored.name, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const { value } = decodeMessage(reportStored, message.key, message.value);
        if (value.studyInstanceUid === studyUid) seen.push(value);
      },
    });
  })();
  return {
    events: () => [...seen],
    atLeast: async (count, timeoutMs) => {
      await started;
      const deadline = Date.now() + timeoutMs;
      while (seen.length < count) {
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${count} report.stored of ${studyUid}; saw ${seen.length}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    stop: async () => {
      await started.catch(() => undefined);
      await consumer.disconnect();
    },
  };
}

type Redis = ReturnType<typeof createRedis>;

/** Keys under `pattern` in the stack's Redis. */
async function keysMatching(redis: Redis, pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found;
}

/**
 * Waits until ingest has had nothing pending on the study (not in its due queue, no look holding the study's lock)
 * for INGEST_IDLE_MS in a row. Report's own SR and SC landing in the study make ingest look at it again; a look in
 * flight while its records are deleted writes them back (seen in CI: the look settled the study as unchanged, and
 * the re-store then published nothing).
 */
const INGEST_IDLE_MS = 2_500; // longer than the local stack's quiet period (2 s) plus a change-feed poll (250 ms)
async function ingestIdleOn(redis: Redis, prefix: string, studyUid: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let busyAt = Date.now();
  while (Date.now() - busyAt < INGEST_IDLE_MS) {
    if (Date.now() > deadline) throw new Error(`ingest still busy with ${studyUid} after ${timeoutMs} ms`);
    const queues = (await keysMatching(redis, `${prefix}*due`)).filter((key) => key.endsWith(':due'));
    const queued = await Promise.all(queues.map((key) => redis.zscore(key, studyUid)));
    const locked = await keysMatching(redis, `${prefix}*lock:${studyUid}`);
    if (queued.some((score) => score !== null) || locked.length > 0) busyAt = Date.now();
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Deletes what ingest and infer remember of one study in the stack's Redis (ingest's state and published records,
 * infer's done records; both expire on their own after INGEST_PUBLISHED_TTL_MS / INFER_DONE_TTL_MS), so that the
 * next store of the study runs through the whole pipeline again. Returns how many keys each service lost. Waits
 * first until ingest is done with the study (ingestIdleOn).
 */
export async function forgetStudy(studyUid: string): Promise<{ ingest: number; infer: number }> {
  const redis = createRedis(stackSettings().redisUrl, { name: 'e2e-forget' });
  const prefixes = { ingest: process.env.INGEST_REDIS_PREFIX ?? 'lungflow:ingest:', infer: process.env.INFER_REDIS_PREFIX ?? 'lungflow:infer:' };
  const removed = { ingest: 0, infer: 0 };
  try {
    await ingestIdleOn(redis, prefixes.ingest, studyUid);
    for (const [service, prefix] of Object.entries(prefixes) as Array<[keyof typeof removed, string]>) {
      const keys = await keysMatching(redis, `${prefix}*${studyUid}*`);
      if (keys.length > 0) removed[service] += await redis.del(...keys);
    }
  } finally {
    redis.disconnect();
  }
  return removed;
}
