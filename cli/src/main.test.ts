import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { attr, readPart10 } from '@lungflow/dicom';
import { decodePicture, loadModelRelease, OnnxClassifier, toModelInput } from '@lungflow/inference';
import { defaultModelDir } from './analyze/defaultModelDir';
import { run } from './main';

// Runs the command in-process on real shared files with the released models (the newest cxr-vN and ct-vN of models/).
jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '../..');
const DATA = process.env.LUNGFLOW_SHARED_DIR ? path.resolve(process.env.LUNGFLOW_SHARED_DIR, 'data') : path.resolve(ROOT, '../shared/data');

async function lungflow(...args: string[]): Promise<{ code: number; lines: Record<string, unknown>[]; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (s: string) => void) => new Writable({ write: (chunk, _e, cb) => { append(String(chunk)); cb(); } });
  const code = await run(['node', 'lungflow', ...args], { stdout: sink((s) => (stdout += s)), stderr: sink((s) => (stderr += s)) });
  const lines = stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
  return { code, lines, stderr };
}

describe('lungflow analyze', () => {
  const pictures = mkdtempSync(path.join(os.tmpdir(), 'lungflow-pictures-'));
  const jpg = path.join(pictures, '000001-12.jpg');
  copyFileSync(path.join(DATA, 'cxr/ieee8023/images/000001-12.jpg'), jpg);
  copyFileSync(path.join(DATA, 'cxr/ieee8023/images/000001-2.jpg'), path.join(pictures, '000001-2.jpg'));

  it('analyses a folder of pictures: one JSON line each, the same numbers as the library pipeline, heatmaps, exit 0', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'lungflow-out-'));
    // Batch 1, as the direct run below: when the two pictures happen to share a batch, float32 sums run in another
    // order and the numbers move in the 5th decimal (seen in CI: 9e-5), which would hide nothing but fail 6 digits.
    const { code, lines } = await lungflow('analyze', '--json', '--batch', '1', '--out', out, pictures);
    expect(code).toBe(0);
    expect(lines).toHaveLength(2);
    const first = lines.find((l) => l.input === jpg) as { ok: boolean; model: { id: string; version: string }; probabilities: Record<string, number>; decision: { className: string; positive: boolean }; outputs: { heatmap: string } };
    // The release the command picks with no option: the newest cxr-vN (cxr-v2 once released), as infer does.
    const release = await loadModelRelease(defaultModelDir('cxr'));
    expect(first.model).toMatchObject({ id: release.card.id, version: release.card.version, sha256: release.card.files.sha256 });
    expect(Object.keys(first.probabilities)).toEqual(release.card.classes.map((c) => c.name));
    const classifier = await OnnxClassifier.create(release);
    const [direct] = await classifier.classify([toModelInput(await decodePicture(new Uint8Array(readFileSync(jpg))), release.card)]);
    await classifier.close();
    for (const [name, p] of Object.entries(first.probabilities)) expect(p).toBeCloseTo(direct?.probabilities[name] as number, 6);
    expect(first.decision.positive).toBe((first.probabilities[release.card.operatingPoint.className] as number) >= release.card.operatingPoint.threshold);
    expect(readFileSync(first.outputs.heatmap).subarray(1, 4).toString()).toBe('PNG');
  });

  it('reports a bad input with its reason, still analyses the rest, and exits 1', async () => {
    const bad = path.join(mkdtempSync(path.join(os.tmpdir(), 'lungflow-bad-')), 'broken.png');
    writeFileSync(bad, 'not a png');
    const { code, lines, stderr } = await lungflow('analyze', '--json', bad, jpg);
    expect(code).toBe(1);
    expect(lines).toEqual([
      { input: bad, ok: false, error: { code: 'INPUT_INVALID', message: 'not a PNG, JPEG or DICOM file' } },
      expect.objectContaining({ input: jpg, ok: true }),
    ]);
    expect(stderr).toContain(`${bad}: FAILED INPUT_INVALID`);
  });

  it('writes the SR and the heatmap SC for a DICOM input, in the source study', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'lungflow-out-'));
    const file = path.join(DATA, 'dicom/pydicom_debian_pkg/CT_small.dcm');
    const { code, lines } = await lungflow('analyze', '--json', '--out', out, file);
    expect(code).toBe(0);
    const [line] = lines as [{ kind: string; task: string; aggregation: string; outputs: { sr: string; sc: string; heatmap: string } }];
    expect(line).toMatchObject({ kind: 'dicom', task: 'ct', aggregation: 'mean-top-3' });
    const source = readPart10(new Uint8Array(readFileSync(file)));
    const sr = readPart10(new Uint8Array(readFileSync(line.outputs.sr)));
    const sc = readPart10(new Uint8Array(readFileSync(line.outputs.sc)));
    expect(sr.sopClassUid).toBe('1.2.840.10008.5.1.4.1.1.88.34');
    expect(sc.sopClassUid).toBe('1.2.840.10008.5.1.4.1.1.7');
    for (const result of [sr, sc]) expect(attr.string(result.dataset, 'StudyInstanceUID')).toBe(attr.string(source.dataset, 'StudyInstanceUID'));
    expect(existsSync(line.outputs.heatmap)).toBe(true);
  });

  it('refuses an out-of-scope DICOM study (a head CT) with the reason', async () => {
    const { code, lines } = await lungflow('analyze', '--json', path.join(DATA, 'dicom/pydicom_data/693_J2KR.dcm'));
    expect(code).toBe(1);
    expect(lines[0]).toMatchObject({ ok: false, error: { code: 'NOTHING_TO_ANALYSE', message: expect.stringContaining('body-part') } });
  });

  it('exits 2 on a usage error', async () => {
    const wrong = await lungflow('analyze', '--modality', 'mri', jpg);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("argument 'mri' is invalid");
    expect((await lungflow('analyze')).code).toBe(2);
  });
});
