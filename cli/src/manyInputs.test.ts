import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';

// Regression test for issue 14: `lungflow analyze` with ~340 or more file arguments died with SIGSEGV before
// printing anything (onnxruntime's telemetry ran a recursive std::regex over /proc/self/cmdline; see README).
// The built command (bin/lungflow.js → dist, built by `npx tsc -b`, which scripts/test.sh runs first) gets 1,000
// generated PNG paths as arguments (≈ 75 KB of command line, well past the ~28.5 KB that crashed) plus a folder of
// 200 more and two broken files, and must print exactly one JSON line per input, in order, within 500 MiB.
jest.setTimeout(300_000);

const BIN = path.resolve(__dirname, '../bin/lungflow.js');
const ARGUMENT_FILES = 1000;
const FOLDER_FILES = 200;
const MAX_RSS_MIB = 500;
// Any of these in the environment also mutes onnxruntime's telemetry, which would hide a regression on CI.
const TELEMETRY_MUTING_VARIABLES = ['CI', 'TF_BUILD', 'GITHUB_ACTIONS', 'GITLAB_CI', 'CIRCLECI', 'TRAVIS', 'JENKINS_URL', 'CODEBUILD_BUILD_ID', 'BUILDKITE', 'TEAMCITY_VERSION', 'APPVEYOR', 'BITBUCKET_BUILD_NUMBER', 'SYSTEM_TEAMFOUNDATIONCOLLECTIONURI', 'ORT_DISABLE_TELEMETRY', 'ORT_TELEMETRY_DISABLED', 'ORT_RUNNING_UNIT_TESTS'];

/** A small gray PNG that differs per index (a gradient and a disc), so no two inputs are the same bytes. */
async function png(index: number): Promise<Buffer> {
  const size = 48;
  const pixels = new Uint8Array(size * size);
  const cx = (index * 7) % size;
  const cy = (index * 13) % size;
  for (let y = 0; y < size; y += 1) {
    for (let x = 0; x < size; x += 1) {
      const disc = (x - cx) ** 2 + (y - cy) ** 2 < 100 ? 120 : 0;
      pixels[y * size + x] = Math.min(255, ((x + y + index) % 128) + disc);
    }
  }
  return sharp(pixels, { raw: { width: size, height: size, channels: 1 } }).png().toBuffer();
}

function runCli(args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const env = { ...process.env };
  for (const name of TELEMETRY_MUTING_VARIABLES) delete env[name];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe('lungflow analyze with many inputs', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'lungflow-many-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('analyses 1,000 file arguments and a folder of 200: one JSON line per input, in order, peak RSS within 500 MiB', async () => {
    expect(existsSync(path.resolve(__dirname, '../dist/main.js'))).toBe(true); // run `npx tsc -b` first
    const folder = path.join(dir, 'folder');
    mkdirSync(folder);
    const named = (index: number): string => `radiograph-${String(index).padStart(5, '0')}-generated-for-the-regression-test.png`;
    const argumentFiles: string[] = [];
    for (let i = 0; i < ARGUMENT_FILES; i += 1) {
      const file = path.join(dir, named(i));
      writeFileSync(file, await png(i));
      argumentFiles.push(file);
    }
    const folderFiles: string[] = [];
    for (let i = 0; i < FOLDER_FILES; i += 1) {
      const file = path.join(folder, named(ARGUMENT_FILES + i));
      writeFileSync(file, await png(ARGUMENT_FILES + i));
      folderFiles.push(file);
    }
    const broken = [path.join(dir, 'broken-1.png'), path.join(dir, 'broken-2.png')];
    for (const file of broken) writeFileSync(file, 'not a png');
    const args = [...argumentFiles.slice(0, 500), broken[0], ...argumentFiles.slice(500), broken[1], folder];
    expect(args.join(' ').length).toBeGreaterThan(60_000);

    const { code, signal, stdout, stderr } = await runCli(['analyze', '--json', ...args]);

    expect({ signal, code }).toEqual({ signal: null, code: 1 });
    const lines = stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as { input: string; ok: boolean; error?: { code: string } });
    const expected = [...argumentFiles.slice(0, 500), broken[0], ...argumentFiles.slice(500), broken[1], ...folderFiles];
    expect(lines.map((line) => line.input)).toEqual(expected);
    expect(lines.filter((line) => !line.ok)).toEqual([
      { input: broken[0], ok: false, error: { code: 'INPUT_INVALID', message: 'not a PNG, JPEG or DICOM file' } },
      { input: broken[1], ok: false, error: { code: 'INPUT_INVALID', message: 'not a PNG, JPEG or DICOM file' } },
    ]);
    // The summary's peak RSS is the process's own getrusage ru_maxrss (native threads included).
    const summary = /lungflow: (\d+) input\(s\): (\d+) ok, (\d+) failed, \d+ flagged positive \| (\d+) image\(s\) in [\d.]+ s, [\d.]+ images\/s \| peak RSS (\d+) MiB/.exec(stderr);
    expect(summary).not.toBeNull();
    const [, inputs, ok, failed, images, rssMiB] = (summary as RegExpExecArray).map(Number);
    expect({ inputs, ok, failed, images }).toEqual({ inputs: 1202, ok: 1200, failed: 2, images: 1200 });
    expect(rssMiB).toBeGreaterThan(0);
    expect(rssMiB).toBeLessThanOrEqual(MAX_RSS_MIB);
  });
});
