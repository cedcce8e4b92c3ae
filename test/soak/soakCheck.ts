import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import { TOPICS } from '@lungflow/contracts';
import { DeadLetterTopic, matchesDeadLetter, type StoredDeadLetter } from '@lungflow/kafka';
import type { DicomWebClient } from '@lungflow/dicomweb';
import { firstString } from '@lungflow/dicomweb';
import { EXPECTED, type SoakStudy } from './soakStudies';

export const SR_CLASS = '1.2.840.10008.5.1.4.1.1.88.34';
export const SC_CLASS = '1.2.840.10008.5.1.4.1.1.7';

export interface StudyVerdict {
  study: SoakStudy;
  outcome: 'ok' | 'lost' | 'duplicate';
  detail: string;
}

/** Consumer lag of each LungFlow group on the topic it reads (0 everywhere means nothing is left unconsumed). */
export async function consumerLag(kafka: Kafka): Promise<Record<string, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const lag: Record<string, number> = {};
    for (const [group, topic] of [
      ['lungflow-infer', TOPICS.studyReceived.name],
      ['lungflow-report', TOPICS.inferenceCompleted.name],
    ] as const) {
      const high = await admin.fetchTopicOffsets(topic);
      const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      const at = new Map((committed?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
      lag[group] = high.reduce((sum, p) => {
        const done = at.get(p.partition) ?? -1n;
        return sum + Number(BigInt(p.high) - (done < 0n ? BigInt(p.low) : done));
      }, 0);
    }
    return lag;
  } finally {
    await admin.disconnect();
  }
}

/** SR and SC instances the PACS holds for a study outside the series the soak stored, by class. */
export async function derivedInstances(pacs: DicomWebClient, study: SoakStudy): Promise<{ sr: number; sc: number }> {
  const found = await pacs.searchInstances({ includefield: ['00080016', '0020000E'] }, study.studyInstanceUid).catch(() => []);
  const classes = found.filter((json) => !study.sourceSeries.includes(firstString(json, '0020000E') ?? '')).map((json) => firstString(json, '00080016'));
  return { sr: classes.filter((c) => c === SR_CLASS).length, sc: classes.filter((c) => c === SC_CLASS).length };
}

export interface LogLine {
  msg?: string;
  studyInstanceUid?: string;
  studyVersion?: number;
  reason?: string;
  [key: string]: unknown;
}

export function readJsonLines(files: readonly string[]): LogLine[] {
  const lines: LogLine[] = [];
  for (const file of files) {
    for (const text of readFileSync(file, 'utf8').split('\n')) {
      if (!text.startsWith('{')) continue;
      try {
        lines.push(JSON.parse(text) as LogLine);
      } catch {
        // a line cut by kill -9
      }
    }
  }
  return lines;
}

/** Every study against what the PACS, the dead-letter topic and ingest's log say happened to it. */
export async function verify(
  studies: readonly SoakStudy[],
  refused: ReadonlyMap<string, string>,
  pacs: DicomWebClient,
  deadLetters: readonly StoredDeadLetter[],
  ingestLog: readonly LogLine[],
): Promise<StudyVerdict[]> {
  const filtered = new Map<string, string[]>();
  const versions = new Map<string, Set<number>>();
  for (const line of ingestLog) {
    if (!line.studyInstanceUid) continue;
    if (line.msg === 'series filtered') filtered.set(line.studyInstanceUid, [...(filtered.get(line.studyInstanceUid) ?? []), String(line.reason)]);
    if (line.msg === 'study published') versions.set(line.studyInstanceUid, (versions.get(line.studyInstanceUid) ?? new Set()).add(Number(line.studyVersion)));
  }
  const verdicts: StudyVerdict[] = [];
  for (const study of studies) {
    const uid = study.studyInstanceUid;
    const expected = EXPECTED[study.kind];
    const { sr, sc } = await derivedInstances(pacs, study);
    const published = versions.get(uid)?.size ?? 0;
    const verdict = (outcome: StudyVerdict['outcome'], detail: string) => verdicts.push({ study, outcome, detail });
    if (expected === 'result') {
      const allowed = Math.max(1, published);
      if (sr === 0 || sc === 0) verdict('lost', `${sr} SR, ${sc} SC in the PACS (${published} version(s) published)`);
      else if (sr > allowed || sc > allowed) verdict('duplicate', `${sr} SR, ${sc} SC for ${published} version(s)`);
      else verdict('ok', `${sr} SR, ${sc} SC`);
    } else if (expected === 'filtered') {
      const reasons = filtered.get(uid) ?? [];
      if (sr > 0) verdict('duplicate', `out of scope, yet ${sr} SR in the PACS`);
      else if (reasons.length === 0) verdict('lost', 'out of scope, but no "series filtered" line with a reason');
      else verdict('ok', `filtered: ${[...new Set(reasons)].join(', ')}`);
    } else if (expected === 'dead-letter') {
      const letters = deadLetters.filter((r) => matchesDeadLetter(r, { studyInstanceUid: uid }) && (r.deadLetter?.reason ?? '') !== '');
      const reasons = filtered.get(uid) ?? [];
      if (sr > 0) verdict('duplicate', `malformed, yet ${sr} SR in the PACS`);
      else if (letters.length > 0) verdict('ok', `dead-lettered: ${letters[0]!.deadLetter!.errorCode}: ${letters[0]!.deadLetter!.reason.slice(0, 120)}`);
      else if (reasons.length > 0) verdict('ok', `filtered at ingest: ${reasons.join(', ')}`);
      else verdict('lost', 'malformed, but neither dead-lettered with a reason nor filtered');
    } else {
      const reason = refused.get(uid);
      if (reason) verdict('ok', `refused: ${reason.slice(0, 120)}`);
      else verdict('lost', 'truncated file was neither refused with a reason nor dead-lettered');
    }
  }
  return verdicts;
}

export async function readDeadLetters(kafka: Kafka): Promise<StoredDeadLetter[]> {
  return new DeadLetterTopic(kafka).read({ timeoutMs: 120_000 });
}

/** Log files of the soak's services, and the strings of patient identity that none of them may contain. */
export function scanLogsForIdentity(logDir: string, studies: readonly SoakStudy[]): { files: number; lines: number; hits: string[] } {
  const files = readdirSync(logDir).filter((f) => f.startsWith('soak-') && f.endsWith('.log')).map((f) => join(logDir, f));
  // Case-insensitive: a leak may come upper- or lower-cased (a formatted name, a normalised ID) and is one all the same.
  const needles = new Set<string>();
  for (const { patient } of studies) {
    const [family, given] = patient.name.split('^');
    for (const text of [patient.name, family, given, patient.id, patient.accessionNumber]) if (text) needles.add(text.toLowerCase());
  }
  const dates = new Set(studies.flatMap(({ patient: { birthDate: d } }) => [d, `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)}`]));
  const hits: string[] = [];
  let lines = 0;
  for (const file of files) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      lines += 1;
      const lower = line.toLowerCase();
      for (const needle of needles) if (lower.includes(needle)) hits.push(`${file}: ${needle}`);
      // Dates only as whole tokens: timestamps and offsets are long digit runs that could contain one by chance, and
      // a UID component (dot-separated digits; many UID roots embed a date) is not a birth date either.
      for (const token of line.match(/(?<![0-9.])\d{8}(?![0-9]|\.[0-9])|(?<![0-9])\d{4}-\d{2}-\d{2}(?![0-9T])/g) ?? []) if (dates.has(token)) hits.push(`${file}: birth date ${token}`);
    }
  }
  return { files: files.length, lines, hits };
}
