import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPart10Header } from '@lungflow/dicom';
import { DicomWebClient } from '@lungflow/dicomweb';
import { isRetriable } from '@lungflow/errors';
import { withStoreProtocol } from '../../services/report/src/export/withStoreProtocol';
import type { ExportSettings } from '../../services/report/src/export/exportSettings';
import type { ReportPacs } from '../../services/report/src/pacs/ReportPacs';
import { dcmtk, freePort } from '../helpers/dcmtk';
import { dciodvfy } from '../helpers/dciodvfy';
import { stackSettings } from '../helpers/stackSettings';
import { cxrStudy, lungflowResults } from '../ingest/fixtures';

// report's C-STORE SCU export (REPORT_STORE_PROTOCOL=dimse) against real peers: dcmtk's storescp, started here in a
// temp directory, and the stack's Orthanc on its DICOM port.
jest.setTimeout(120_000);

const stack = stackSettings();
const dicomweb = new DicomWebClient({ baseUrl: stack.dicomwebUrl, auth: { username: stack.username, password: stack.password } });

function dimseSettings(port: number, calledAeTitle: string): ExportSettings {
  return {
    REPORT_STORE_PROTOCOL: 'dimse',
    REPORT_DIMSE_HOST: '127.0.0.1',
    REPORT_DIMSE_PORT: port,
    REPORT_DIMSE_CALLED_AE_TITLE: calledAeTitle,
    REPORT_DIMSE_CALLING_AE_TITLE: 'LUNGFLOW_RPT',
    REPORT_DIMSE_TIMEOUT_MS: 10_000,
  };
}

/** Reads stay on DICOMweb; only storeInstances is under test here. */
const readsFromOrthanc: ReportPacs = dicomweb;

async function startStorescp(dir: string, extra: string[] = []): Promise<{ port: number; process: ChildProcess }> {
  const port = await freePort();
  const child = spawn('storescp', ['-aet', 'STORESCP', '-od', dir, '+xa', ...extra, String(port)], { stdio: 'ignore' });
  for (let i = 0; i < 100; i += 1) {
    // Ready once it answers: an echo for a normal storescp, a rejection for one started with --refuse.
    const probe = await dcmtk('echoscu', ['-aet', 'PROBE', '-aec', 'STORESCP', '127.0.0.1', String(port)], 5_000);
    if (probe.code === 0 || /reject/i.test(probe.output)) return { port, process: child };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill();
  throw new Error('storescp did not start');
}

describe('report C-STORE SCU export (real peers)', () => {
  const results = lungflowResults(cxrStudy('cxrPa').instances[0] as Buffer).map((b) => new Uint8Array(b));
  const uids = results.map((bytes) => readPart10Header(bytes).sopInstanceUid);

  it("stores LungFlow's SR and SC in dcmtk's storescp, received as valid as they were sent", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lungflow-storescp-'));
    const scp = await startStorescp(dir);
    try {
      const pacs = withStoreProtocol(readsFromOrthanc, dimseSettings(scp.port, 'STORESCP'));
      const result = await pacs.storeInstances(results);
      expect(result.stored.map((s) => s.sopInstanceUid).sort()).toEqual([...uids].sort());

      const files = readdirSync(dir).map((name) => join(dir, name));
      expect(files).toHaveLength(2);
      for (const file of files) {
        const dump = await dcmtk('dcmdump', ['+P', '0008,0018', file]);
        const uid = uids.find((u) => dump.output.includes(u));
        expect(uid).toBeDefined();
        const sent = results[uids.indexOf(uid as string)] as Uint8Array;
        const [received, original] = await Promise.all([dciodvfy(new Uint8Array(readFileSync(file))), dciodvfy(sent)]);
        expect(received.iod).toBe(original.iod);
        expect(received.errors).toEqual(original.errors);
      }
    } finally {
      scp.process.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("stores them in Orthanc through its DICOM port, readable over DICOMweb", async () => {
    const pacs = withStoreProtocol(readsFromOrthanc, dimseSettings(stack.orthancDicomPort, 'LUNGFLOW'));
    await pacs.storeInstances(results);
    const study = readPart10Header(results[0] as Uint8Array).studyInstanceUid as string;
    const found = await dicomweb.searchInstances({}, study);
    expect(found).toHaveLength(2);
  });

  it('reports a PACS that rejects the association permanently as a refusal, which the consumer dead-letters', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lungflow-storescp-'));
    const scp = await startStorescp(dir, ['--refuse']);
    try {
      const error = await withStoreProtocol(readsFromOrthanc, dimseSettings(scp.port, 'STORESCP')).storeInstances(results).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'PACS_REFUSED' });
      expect(isRetriable(error)).toBe(false);
      expect(readdirSync(dir)).toHaveLength(0);
    } finally {
      scp.process.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports an unreachable PACS as retriable, so the consumer retries instead of dead-lettering', async () => {
    const pacs = withStoreProtocol(readsFromOrthanc, dimseSettings(await freePort(), 'NOBODY'));
    const error = await pacs.storeInstances(results).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PACS_UNREACHABLE' });
    expect(isRetriable(error)).toBe(true);
  });
});
