import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

function withFile<T>(bytes: Uint8Array, run: (file: string) => T): T {
  const dir = mkdtempSync(path.join(tmpdir(), 'lungflow-write-'));
  try {
    const file = path.join(dir, 'object.dcm');
    writeFileSync(file, bytes);
    return run(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** dciodvfy (dicom3tools) on the bytes: the IOD and module checks of PS3.3, split into errors and warnings. */
export function dciodvfy(bytes: Uint8Array): { errors: string[]; warnings: string[]; output: string } {
  return withFile(bytes, (file) => {
    const run = spawnSync('dciodvfy', ['-new', file], { encoding: 'utf8' });
    if (run.error) throw new Error(`dciodvfy could not run (Debian package dicom3tools): ${run.error.message}`);
    const output = `${run.stdout}${run.stderr}`;
    const lines = output.split('\n').map((l) => l.trim());
    // Values of patient attributes stay out of test logs, even pseudonymised ones.
    const redact = (l: string): string => (/Patient|Name/.test(l) ? l.replace(/= <[^>]*>/g, '= <redacted>') : l);
    return { errors: lines.filter((l) => l.startsWith('Error')).map(redact), warnings: lines.filter((l) => l.startsWith('Warning')).map(redact), output };
  });
}

/** dsrdump (dcmtk): the SR content tree as text; throws when dcmtk cannot parse the document. */
export function dsrdump(bytes: Uint8Array): string {
  // stdio piped: dsrdump's "W: VR checker does not support ISO_IR 192" notice would otherwise clutter the test log.
  return withFile(bytes, (file) => execFileSync('dsrdump', ['-Ec', '+Pc', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
}
