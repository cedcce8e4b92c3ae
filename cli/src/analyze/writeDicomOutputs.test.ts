import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readPart10, renderFrame, type LesionFindings } from '@lungflow/dicom';
import type { Classification, ModelCard } from '@lungflow/inference';
import { lesionFindings } from '../../../libs/dicom/src/write/__tests__/fixtures';
import { dciodvfy } from '../../../libs/dicom/src/write/__tests__/validators';
import { Writable } from 'node:stream';
import { run } from '../main';
import { OutputWriter } from './OutputWriter';
import { writeDicomOutputs, type StudyOutcome } from './writeDicomOutputs';

const DATA = process.env.LUNGFLOW_SHARED_DIR ? path.resolve(process.env.LUNGFLOW_SHARED_DIR, 'data') : path.resolve(__dirname, '../../../../shared/data');
const SOURCE = path.join(DATA, 'dicom/torchxrayvision/1.2.276.0.7230010.3.1.4.8323329.6904.1517875201.850819.dcm');
const CARD = JSON.parse(readFileSync(path.resolve(__dirname, '../../../models/cxr-v2/card.json'), 'utf8')) as ModelCard;

jest.setTimeout(60_000);

async function outcome(lesions?: LesionFindings): Promise<StudyOutcome> {
  const part10 = readPart10(readFileSync(SOURCE));
  const { fullResolution } = await renderFrame(part10);
  const probabilities = Object.fromEntries(CARD.classes.map((c, i) => [c.name, i === 0 ? 0.7 : 0.3 / (CARD.classes.length - 1)]));
  const decision = { className: CARD.operatingPoint.className, threshold: CARD.operatingPoint.threshold, positive: true, status: 'positive' as const };
  const cam = { width: 7, height: 7, maps: Object.fromEntries(CARD.classes.map((c) => [c.name, new Float32Array(49).map((_, i) => i)])) };
  const classification = { probabilities, logits: probabilities, cam, decision, ...(lesions ? { lesions } : {}) } as unknown as Classification;
  const dataset = part10.dataset;
  return {
    study: { method: 'max', probabilities, decision, analysedImages: 1 },
    analysed: [{ sopClassUid: String(dataset.SOPClassUID), sopInstanceUid: String(dataset.SOPInstanceUID), seriesInstanceUid: String(dataset.SeriesInstanceUID) }],
    card: CARD,
    lungflowVersion: '0.1.0-test',
    source: { image: { data: fullResolution.data, width: fullResolution.width, height: fullResolution.height }, classification, dataset },
  };
}

describe('writeDicomOutputs (lungflow analyze --out, DICOM inputs)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lungflow-out-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('with lesions writes SR, SC and SEG; the SR references the SC and the SEG; all pass dciodvfy', async () => {
    const written = await writeDicomOutputs('study', new OutputWriter(dir), await outcome(lesionFindings()));
    expect(Object.keys(written).sort()).toEqual(['sc', 'seg', 'sr']);
    expect(path.basename(written.seg as string)).toBe('study.seg.dcm');
    const objects = Object.fromEntries(Object.entries(written).map(([kind, file]) => [kind, readFileSync(file)]));
    for (const [kind, bytes] of Object.entries(objects)) {
      const check = dciodvfy(bytes);
      if (check.errors.length) process.stderr.write(`dciodvfy errors for ${kind}:\n${check.errors.join('\n')}\n`);
      expect(check.errors).toEqual([]);
    }
    const sr = readPart10(objects.sr as Buffer).dataset;
    const sc = readPart10(objects.sc as Buffer).dataset;
    const seg = readPart10(objects.seg as Buffer).dataset;
    expect(seg).toMatchObject({ Modality: 'SEG', NumberOfFrames: 2 });
    const pertinent = JSON.stringify(sr.PertinentOtherEvidenceSequence);
    expect(pertinent).toContain(String(sc.SOPInstanceUID));
    expect(pertinent).toContain(String(seg.SOPInstanceUID));
    expect(JSON.stringify(sr.ContentSequence)).toContain('LESFRAC');
  });

  it('without lesions writes SR and SC only, as before', async () => {
    const written = await writeDicomOutputs('study', new OutputWriter(dir), await outcome());
    expect(Object.keys(written).sort()).toEqual(['sc', 'sr']);
    const sr = readPart10(readFileSync(written.sr as string)).dataset;
    expect(JSON.stringify(sr.ContentSequence)).not.toContain('LESFRAC');
  });

  it('writes nothing without --out', async () => {
    expect(await writeDicomOutputs('study', new OutputWriter(undefined), await outcome(lesionFindings()))).toEqual({});
  });

  it('lungflow analyze --out with the released cxr-v2 on a CR: SR, SC and SEG, all passing dciodvfy, the SEG on the image grid', async () => {
    const sink = new Writable({ write: (_chunk, _e, cb) => cb() });
    let stdout = '';
    const out = new Writable({ write: (chunk, _e, cb) => ((stdout += String(chunk)), cb()) });
    const code = await run(['node', 'lungflow', 'analyze', '--json', '--no-progress', '--threads', '1', '--model-cxr', path.resolve(__dirname, '../../../models/cxr-v2'), '--out', dir, SOURCE], { stdout: out, stderr: sink });
    expect(code).toBe(0);
    const line = JSON.parse(stdout.trim().split('\n').at(-1) as string) as { outputs: Record<string, string>; images: Array<{ lesions?: unknown }> };
    expect(line.images[0]?.lesions).toBeDefined();
    expect(Object.keys(line.outputs)).toEqual(expect.arrayContaining(['sr', 'sc', 'seg']));
    for (const kind of ['sr', 'sc', 'seg']) expect(dciodvfy(readFileSync(line.outputs[kind] as string)).errors).toEqual([]);
    const source = readPart10(readFileSync(SOURCE)).dataset;
    const seg = readPart10(readFileSync(line.outputs.seg as string)).dataset;
    expect(seg).toMatchObject({ Rows: source.Rows, Columns: source.Columns, NumberOfFrames: 2, StudyInstanceUID: source.StudyInstanceUID });
  });
});
