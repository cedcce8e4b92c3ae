import { execFileSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import os from 'os';
import path from 'path';
import type { GrayImage } from '../GrayImage';

/** Runs a dcmtk tool (dcm2pnm, dcmj2pnm, dcmcjpls, ...); dcmtk is a project dependency (deploy/local/install.sh). */
export function dcmtk(tool: string, args: string[]): void {
  execFileSync(tool, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
}

/** A scratch folder removed by the returned function. */
export function scratchDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lungflow-dicom-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** dcmtk's rendering of `file` as an 8-bit PGM (binary P5), read back. */
export function dcmtkRender(tool: 'dcm2pnm' | 'dcmj2pnm', file: string, options: string[]): GrayImage {
  const { dir, remove } = scratchDir();
  try {
    const out = path.join(dir, 'out.pgm');
    dcmtk(tool, ['--quiet', ...options, '--write-raw-pnm', file, out]);
    return readPgm(readFileSync(out));
  } finally {
    remove();
  }
}

export function readPgm(bytes: Buffer): GrayImage {
  // P5 <ws> width <ws> height <ws> maxval <single ws> data
  const header = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(bytes.toString('latin1', 0, 64));
  if (header === null || header[3] !== '255') throw new Error('not an 8-bit binary PGM');
  const offset = header[0].length;
  const width = Number(header[1]);
  const height = Number(header[2]);
  return { width, height, data: new Uint8Array(bytes.subarray(offset, offset + width * height)) };
}

export interface ImageDiff {
  maxAbs: number;
  /** Share of pixels that differ by more than 1 grey level. */
  over1: number;
  meanAbs: number;
}

export function diffImages(a: GrayImage, b: GrayImage): ImageDiff {
  if (a.width !== b.width || a.height !== b.height) throw new Error(`sizes differ: ${a.width}x${a.height} vs ${b.width}x${b.height}`);
  let maxAbs = 0;
  let over1 = 0;
  let sum = 0;
  for (let i = 0; i < a.data.length; i += 1) {
    const d = Math.abs(a.data[i] - b.data[i]);
    maxAbs = Math.max(maxAbs, d);
    if (d > 1) over1 += 1;
    sum += d;
  }
  return { maxAbs, over1: over1 / a.data.length, meanAbs: sum / a.data.length };
}
