/**
 * `npx tsx bench/infer/benchSeriesFetch.ts`, with the local stack's Orthanc up (`stack.sh up orthanc`): the CPU of
 * infer's WADO-RS fetch per CT slice, per instance (metadata request + frame request: the baseline) against one
 * series metadata request + a frame request per instance (what services/infer does for a series of 2–2,000
 * instances), in alternating rounds of the same run. Stores `BENCH_SERIES_SLICES` (300) copies of the two real
 * axial slices of `../shared/data` (tcia_covid19_ny_sbu A048383) as one new series, fetches them 8 at a time like
 * infer, and reads this process's CPU (process.cpuUsage) and Orthanc's (/proc, PID from .lungflow/run).
 *
 * Options (environment): BENCH_SERIES_SLICES (300), BENCH_SERIES_ROUNDS (3), the stack's ORTHANC_HTTP_PORT etc.
 */
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DicomWebClient } from '@lungflow/dicomweb';
import { DicomWebPacsReader } from '../../services/infer/src/pacs/PacsReader';
import { newUid, rewriteDicom } from '../../test/helpers/dicomFixtures';
import { stackSettings } from '../../test/helpers/stackSettings';

const ROOT = path.resolve(__dirname, '../..');
const SHARED = process.env.LUNGFLOW_SHARED_DIR ? path.resolve(process.env.LUNGFLOW_SHARED_DIR, 'data') : path.resolve(ROOT, '../shared/data');
const SLICES = Number(process.env.BENCH_SERIES_SLICES ?? 300);
const ROUNDS = Number(process.env.BENCH_SERIES_ROUNDS ?? 3);
const IN_FLIGHT = 8;

const orthancPid = Number(readFileSync(path.join(ROOT, '.lungflow/run/orthanc.pid'), 'utf8').trim());
/** Orthanc's user + system CPU in ms (utime and stime of /proc/PID/stat, in clock ticks of 10 ms). */
function orthancCpuMs(): number {
  const fields = (readFileSync(`/proc/${orthancPid}/stat`, 'utf8').split(') ')[1] as string).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function main(): Promise<void> {
  const stack = stackSettings();
  const client = new DicomWebClient({ baseUrl: stack.dicomwebUrl, auth: { username: stack.username, password: stack.password } });
  const dir = path.join(SHARED, 'dicom/tcia_covid19_ny_sbu/A048383/axial');
  const files = readdirSync(dir).filter((f) => f.endsWith('.dcm')).sort().map((f) => readFileSync(path.join(dir, f)));
  const studyUid = newUid();
  const seriesUid = newUid();
  const sops = Array.from({ length: SLICES }, () => newUid());
  const copies = sops.map((sopUid, i) => rewriteDicom(files[i % files.length] as Buffer, { studyUid, seriesUid, sopUid, set: { InstanceNumber: String(i + 1) } }));
  for (let i = 0; i < SLICES; i += 25) await client.storeInstances(copies.slice(i, i + 25).map((b) => new Uint8Array(b)));
  const reader = new DicomWebPacsReader(client);
  const eachInFlight = async (fn: (i: number) => Promise<unknown>) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < SLICES) {
          const i = next;
          next += 1;
          await fn(i);
        }
      }),
    );
  };
  const measure = async (label: string, fn: () => Promise<unknown>) => {
    const cpu = process.cpuUsage();
    const orthanc = orthancCpuMs();
    const wall = performance.now();
    await fn();
    const used = process.cpuUsage(cpu);
    console.log(`  ${label.padEnd(50)} infer side ${((used.user + used.system) / 1000 / SLICES).toFixed(2)} ms, Orthanc ${((orthancCpuMs() - orthanc) / SLICES).toFixed(2)} ms CPU per slice (wall ${((performance.now() - wall) / 1000).toFixed(1)} s)`);
  };
  console.log(`bench:series-fetch, ${new Date().toISOString()}, ${SLICES}-instance series stored, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  for (let round = 0; round < ROUNDS; round += 1) {
    await measure('per instance: metadata + frame (baseline)', () => eachInFlight((i) => reader.readInstance(studyUid, seriesUid, sops[i] as string, 1)));
    await measure('series metadata once + frame per instance', async () => {
      const metadata = await reader.readSeriesMetadata(studyUid, seriesUid);
      await eachInFlight((i) => reader.readInstance(studyUid, seriesUid, sops[i] as string, 1, metadata.get(sops[i] as string)));
    });
  }
  console.log(`load average at the end ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
