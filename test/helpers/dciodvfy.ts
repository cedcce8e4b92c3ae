import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface IodCheck {
  /** The IOD dciodvfy recognised, e.g. `CRImage`. */
  iod: string | undefined;
  errors: string[];
  warnings: string[];
  output: string;
}

/**
 * Runs David Clunie's `dciodvfy` (Debian `dicom3tools`) on a Part-10 file and sorts its report into errors and
 * warnings. The DICOMDIR-only warnings (what a media directory would need) are dropped: they say nothing about
 * the object. dciodvfy exits 0 even when it finds errors, so callers must look at `errors`.
 */
export async function dciodvfy(part10: Uint8Array): Promise<IodCheck> {
  const dir = await mkdtemp(join(tmpdir(), 'lungflow-dciodvfy-'));
  const file = join(dir, 'object.dcm');
  try {
    await writeFile(file, part10);
    const output = await new Promise<string>((resolve, reject) => {
      execFile('dciodvfy', [file], { maxBuffer: 8 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
          reject(new Error('dciodvfy is not installed (Debian package dicom3tools; run npm run setup)'));
        } else {
          resolve(`${stdout}${stderr}`);
        }
      });
    });
    const lines = output.split('\n').map((line) => line.trim()).filter(Boolean);
    const relevant = lines.filter((line) => !line.includes('needed to build DICOMDIR'));
    return {
      iod: relevant.find((line) => /^[A-Za-z]+$/.test(line)),
      errors: relevant.filter((line) => line.startsWith('Error')),
      warnings: relevant.filter((line) => line.startsWith('Warning')),
      output,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
