/**
 * Stores DICOM files into the PACS over STOW-RS, one request per study, then asks the PACS (QIDO-RS) what it now
 * holds for those studies and prints a table. The demo's first step (scripts/demo.sh):
 *
 *   npx tsx --tsconfig scripts/tsconfig.json scripts/storeSamples.ts [file-or-folder ...]   (default: samples/)
 *
 * Reads DICOMWEB_URL, DICOMWEB_USERNAME, DICOMWEB_PASSWORD (or DICOMWEB_BEARER_TOKEN) like the services do; demo.sh
 * takes them from .lungflow/stack.env. Exits 1 if any study was not stored. With REPORT_URL set (the report
 * service), it then waits for LungFlow's results and prints them (awaitReports.ts).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import dcmjs from 'dcmjs';
import { commonSettings, loadConfig } from '@lungflow/config';
import { DicomWebClient, firstString, type DicomJson } from '@lungflow/dicomweb';
import { awaitReports, type StoredStudy } from './awaitReports';

interface LocalFile {
  path: string;
  bytes: Uint8Array;
  studyInstanceUid: string;
}

function dicomFiles(targets: string[]): string[] {
  return targets.flatMap((target) => {
    const path = resolve(target);
    if (!statSync(path).isDirectory()) return [path];
    return readdirSync(path)
      .filter((name) => name.toLowerCase().endsWith('.dcm'))
      .sort()
      .map((name) => join(path, name));
  });
}

function readLocal(path: string): LocalFile {
  const bytes = readFileSync(path);
  // Only the header is needed; stop before Pixel Data.
  const dict = dcmjs.data.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength), { untilTag: '7FE00010' });
  const studyInstanceUid = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict.dict).StudyInstanceUID;
  if (typeof studyInstanceUid !== 'string') throw new Error(`${basename(path)}: no Study Instance UID`);
  return { path, bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), studyInstanceUid };
}

function groupByStudy(files: LocalFile[]): Map<string, LocalFile[]> {
  const studies = new Map<string, LocalFile[]>();
  for (const file of files) studies.set(file.studyInstanceUid, [...(studies.get(file.studyInstanceUid) ?? []), file]);
  return studies;
}

interface Row {
  study: string;
  patient: string;
  modality: string;
  bodyPart: string;
  description: string;
  instances: string;
}

async function describeStudy(client: DicomWebClient, studyUid: string): Promise<Row> {
  const [study] = await client.searchStudies({ StudyInstanceUID: studyUid, includefield: '00081030,00080061,00201208' });
  if (study === undefined) throw new Error(`study ${studyUid} was stored but QIDO-RS does not find it`);
  const series: DicomJson[] = await client.searchSeries({ includefield: '00180015' }, studyUid);
  const list = (values: Array<string | undefined>): string => [...new Set(values.filter((v): v is string => !!v))].join('/') || '-';
  return {
    study: studyUid,
    patient: firstString(study, '00100020') ?? '-',
    modality: list((study['00080061']?.Value ?? []).map(String)),
    bodyPart: list(series.map((s) => firstString(s, '00180015'))),
    description: firstString(study, '00081030') ?? '-',
    instances: firstString(study, '00201208') ?? '?',
  };
}

function printTable(rows: Row[]): void {
  const headers: Row = { study: 'Study Instance UID', patient: 'Patient', modality: 'Modality', bodyPart: 'Body part', description: 'Description', instances: 'Instances' };
  const keys = Object.keys(headers) as Array<keyof Row>;
  const widths = keys.map((key) => Math.max(...[headers, ...rows].map((row) => row[key].length)));
  const line = (row: Row): string => keys.map((key, i) => row[key].padEnd(widths[i]!)).join('  ').trimEnd();
  console.log(line(headers));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

async function main(): Promise<void> {
  const config = loadConfig(commonSettings);
  const client = DicomWebClient.fromSettings(config);
  const targets = process.argv.slice(2);
  const files = dicomFiles(targets.length > 0 ? targets : [resolve(__dirname, '../samples')]).map(readLocal);
  if (files.length === 0) throw new Error('no .dcm files to store');

  console.log(`Storing ${files.length} file(s) into ${config.DICOMWEB_URL} (STOW-RS)`);
  const rows: Row[] = [];
  const stored: StoredStudy[] = [];
  let failures = 0;
  for (const [studyUid, studyFiles] of groupByStudy(files)) {
    try {
      await client.storeInstances(studyFiles.map((f) => f.bytes), studyUid);
      stored.push({ studyInstanceUid: studyUid, label: basename(studyFiles[0]!.path, '.dcm'), storedAt: Date.now() });
      rows.push(await describeStudy(client, studyUid));
    } catch (error) {
      failures += 1;
      console.error(`failed: ${studyFiles.map((f) => basename(f.path)).join(', ')}: ${(error as Error).message}`);
    }
  }
  console.log(`\nStored in the PACS (as QIDO-RS reports it):\n`);
  printTable(rows);
  console.log(`\n${rows.length} stud${rows.length === 1 ? 'y' : 'ies'} stored, ${failures} failed`);
  if (failures > 0) process.exitCode = 1;
  const reportUrl = process.env.REPORT_URL;
  if (reportUrl) {
    await awaitReports(stored, { reportUrl, token: process.env.REPORT_API_TOKEN || undefined, quietPeriodMs: Number(process.env.INGEST_QUIET_PERIOD_MS ?? 2_000) });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
