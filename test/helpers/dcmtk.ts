import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ToolRun {
  code: number;
  output: string;
}

/** Runs a dcmtk tool (storescu, echoscu, dcmdump, …) and resolves with its exit code and stdout+stderr. */
export function dcmtk(tool: string, args: string[], timeoutMs = 60_000): Promise<ToolRun> {
  return new Promise((resolve) => {
    execFile(tool, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

/** A free loopback port (listen on 0, read it, close): for a server under test that needs its port up front. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Writes instances as numbered .dcm files in a new temp directory; `cleanup` removes it. */
export function writeTempFiles(instances: readonly Uint8Array[]): { dir: string; files: string[]; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'lungflow-dcm-'));
  const files = instances.map((bytes, i) => {
    const file = join(dir, `${String(i).padStart(4, '0')}.dcm`);
    writeFileSync(file, bytes);
    return file;
  });
  return { dir, files, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** storescu towards an SCP; `-xs`-style options are the caller's. Exit 0 only when every store succeeded. */
export function storescu(port: number, files: string[], options: { callingAe: string; calledAe: string; extra?: string[] }): Promise<ToolRun> {
  return dcmtk('storescu', ['-aet', options.callingAe, '-aec', options.calledAe, ...(options.extra ?? []), '127.0.0.1', String(port), ...files]);
}

export function echoscu(port: number, options: { callingAe: string; calledAe: string }): Promise<ToolRun> {
  return dcmtk('echoscu', ['-aet', options.callingAe, '-aec', options.calledAe, '127.0.0.1', String(port)]);
}
