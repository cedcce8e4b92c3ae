/**
 * `npx tsx bench/pixels/benchPixels.ts`: CPU time of the pixel pipeline per image, the code of today against the
 * code it replaced (kept as test references), on the same real files in the same run: stored values from the
 * frame's bytes (storedValues vs storedValuesReference), stored values to 8-bit gray (renderByTable vs the Modality
 * LUT, VOI, percentile and toUint8 passes over every pixel), and the Pillow-exact resize to the model input
 * (pillowResize vs pillowResizeReference, 224 px Lanczos as cxr-v2's card asks). Decoding (codecs) is done once
 * before timing and is not counted. Figures are process CPU (user + system, process.cpuUsage, so GC and helper
 * threads count), not wall time: the box is shared. Every output is checked equal to the reference's, byte for byte.
 *
 * Options: --rounds N (default 20), --no-shared (only samples/; by default ../shared/data/dicom's radiographs too).
 */
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readPart10 } from '../../libs/dicom/src/read/readPart10';
import { concat } from '../../libs/dicom/src/read/concat';
import type { DicomInstance } from '../../libs/dicom/src/read/DicomInstance';
import { chooseVoi } from '../../libs/dicom/src/pixels/chooseVoi';
import { decodeCompressed } from '../../libs/dicom/src/pixels/codecs/decodeCompressed';
import { imagePixelModule } from '../../libs/dicom/src/pixels/imagePixelModule';
import { modalityLut } from '../../libs/dicom/src/pixels/modalityLut';
import { renderByTable } from '../../libs/dicom/src/pixels/renderByTable';
import { storedValues, type SampleLayout } from '../../libs/dicom/src/pixels/storedValues';
import { toUint8 } from '../../libs/dicom/src/pixels/toUint8';
import { voiLut } from '../../libs/dicom/src/pixels/voiLut';
import { storedValuesReference } from '../../libs/dicom/src/pixels/__tests__/storedValuesReference';
import { pillowResize } from '../../libs/inference/src/resize/pillowResize';
import { pillowResizeReference } from '../../libs/inference/src/resize/__tests__/pillowResizeReference';

const ROOT = path.resolve(__dirname, '../..');
const SHARED_DICOM = path.resolve(process.env.LUNGFLOW_SHARED_DIR ? path.join(process.env.LUNGFLOW_SHARED_DIR, 'data') : path.join(ROOT, '../shared/data'), 'dicom');
const args = process.argv.slice(2);
const ROUNDS = Number(args[args.indexOf('--rounds') + 1] ?? 20) || 20;
const MODEL_SIZE = 224;

interface Case {
  name: string;
  instance: DicomInstance;
  bytes: Uint8Array;
  count: number;
  layout: SampleLayout;
  maxValue: number;
  inverted: boolean;
}

function dicomFiles(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? dicomFiles(path.join(dir, e.name)) : e.name.endsWith('.dcm') ? [path.join(dir, e.name)] : []));
  } catch {
    return [];
  }
}

/** The frame's bytes as storedValues gets them from decodeFrame: native Pixel Data, or the codec's output. */
async function loadCase(file: string): Promise<Case | undefined> {
  const instance = readPart10(new Uint8Array(readFileSync(file)));
  const modality = String(instance.dataset.Modality ?? '');
  const module = imagePixelModule(instance);
  // radiographs, and the CT slice among the samples: what infer and report render per study
  if (module.samplesPerPixel !== 1 || module.numberOfFrames !== 1 || (modality === 'CT' && !file.startsWith(path.join(ROOT, 'samples')))) return undefined;
  const pixels = module.rows * module.columns;
  const pixelData = instance.pixelData;
  if (pixelData === undefined) return undefined;
  const name = path.relative(path.dirname(ROOT), file).replace(/^results\//, '');
  const inverted = module.photometricInterpretation === 'MONOCHROME1';
  if (!pixelData.encapsulated) {
    const layout = { bitsAllocated: module.bitsAllocated, bitsStored: module.bitsStored, highBit: module.highBit, signed: module.pixelRepresentation === 1, bigEndian: pixelData.bigEndian };
    return { name, instance, bytes: concat(...pixelData.buffers), count: pixels, layout, maxValue: 2 ** module.bitsStored - 1, inverted };
  }
  const output = await decodeCompressed(instance.transferSyntaxUid, pixelData.frames[0] as Uint8Array, { width: module.columns, height: module.rows, samplesPerPixel: 1, bitsAllocated: module.bitsAllocated === 8 ? 8 : 16 });
  const precision = Math.min(output.precision ?? module.bitsStored, output.bitsAllocated);
  const layout = { bitsAllocated: output.bitsAllocated, bitsStored: precision, highBit: precision - 1, signed: output.signed ?? module.pixelRepresentation === 1, bigEndian: false };
  return { name, instance, bytes: output.bytes, count: pixels, layout, maxValue: 2 ** precision - 1, inverted };
}

const cpuMs = (fn: () => void): number => {
  const start = process.cpuUsage();
  fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};

type Stage = 'stored' | 'render' | 'resize';
const STAGES: Stage[] = ['stored', 'render', 'resize'];

/** The Modality LUT, percentile and VOI and toUint8 passes over every pixel, as renderFrame did them before the table. */
function perPixel(c: Case, values: Float32Array): Uint8Array {
  const signed = c.layout.signed;
  modalityLut(values, c.instance.dataset, 0, signed);
  const voi = chooseVoi(values, c.instance.dataset, 0, signed, {});
  voiLut(values, voi);
  return toUint8(values, c.inverted);
}

function oldPath(c: Case, times: Record<Stage, number>): Uint8Array {
  let values: Float32Array = new Float32Array(0);
  times.stored += cpuMs(() => (values = storedValuesReference(c.bytes, c.count, c.layout)));
  let gray: Uint8Array = new Uint8Array(0);
  times.render += cpuMs(() => (gray = perPixel(c, values)));
  const { Columns: width, Rows: height } = c.instance.dataset as { Columns: number; Rows: number };
  let input: Uint8Array = new Uint8Array(0);
  times.resize += cpuMs(() => (input = pillowResizeReference({ width, height, data: gray }, MODEL_SIZE, MODEL_SIZE, 'lanczos').data));
  return concat(gray, input);
}

function newPath(c: Case, times: Record<Stage, number>): Uint8Array {
  let values: Float32Array = new Float32Array(0);
  times.stored += cpuMs(() => (values = storedValues(c.bytes, c.count, c.layout)));
  let gray: Uint8Array = new Uint8Array(0);
  times.render += cpuMs(() => {
    // as renderFrame does: the table, or the per-pixel passes where it does not apply (a small 16-bit CT slice)
    const rendered = renderByTable(values, c.maxValue, c.instance.dataset, 0, c.layout.signed, c.inverted, {});
    gray = rendered ? rendered.data : perPixel(c, values);
  });
  const { Columns: width, Rows: height } = c.instance.dataset as { Columns: number; Rows: number };
  let input: Uint8Array = new Uint8Array(0);
  times.resize += cpuMs(() => (input = pillowResize({ width, height, data: gray }, MODEL_SIZE, MODEL_SIZE, 'lanczos').data));
  return concat(gray, input);
}

async function main(): Promise<void> {
  const files = [...dicomFiles(path.join(ROOT, 'samples')), ...(args.includes('--no-shared') ? [] : dicomFiles(SHARED_DICOM))];
  const cases = (await Promise.all(files.map(loadCase))).filter((c): c is Case => c !== undefined);
  const zero = (): Record<Stage, number> => ({ stored: 0, render: 0, resize: 0 });
  const times = new Map(cases.map((c) => [c.name, { old: zero(), new: zero() }]));
  const load = os.loadavg();
  console.log(`bench/pixels: ${cases.length} images, ${ROUNDS} rounds, old and new alternating; ${os.cpus().length} CPUs, load average ${load.map((l) => l.toFixed(1)).join(' ')}`);
  for (const c of cases) {
    // one untimed run each (JIT warm-up), and the check that both give the same gray image and model input
    const a = oldPath(c, zero());
    const b = newPath(c, zero());
    if (Buffer.compare(Buffer.from(a), Buffer.from(b)) !== 0) throw new Error(`${c.name}: the new pixel path differs from the reference`);
  }
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const c of cases) {
      const t = times.get(c.name) as { old: Record<Stage, number>; new: Record<Stage, number> };
      if (round % 2 === 0) {
        oldPath(c, t.old);
        newPath(c, t.new);
      } else {
        newPath(c, t.new);
        oldPath(c, t.old);
      }
    }
  }
  const cell = (old: number, now: number) => `${(old / ROUNDS).toFixed(2)} → ${(now / ROUNDS).toFixed(2)}`;
  console.log('\nCPU ms per image, old → new (same bytes out):');
  console.log(['image', 'size', ...STAGES, 'total', 'ratio'].join(' | '));
  const sum = { old: zero(), new: zero() };
  for (const c of cases) {
    const t = times.get(c.name) as { old: Record<Stage, number>; new: Record<Stage, number> };
    const total = (r: Record<Stage, number>) => STAGES.reduce((s, k) => s + r[k], 0);
    for (const k of STAGES) {
      sum.old[k] += t.old[k];
      sum.new[k] += t.new[k];
    }
    const { Columns, Rows, BitsStored } = c.instance.dataset as Record<string, number>;
    console.log([c.name, `${Columns}×${Rows} ${BitsStored}-bit`, ...STAGES.map((k) => cell(t.old[k], t.new[k])), cell(total(t.old), total(t.new)), (total(t.new) / total(t.old)).toFixed(2)].join(' | '));
  }
  const n = cases.length;
  const mean = (r: Record<Stage, number>, k: Stage) => r[k] / n;
  const totalOld = STAGES.reduce((s, k) => s + mean(sum.old, k), 0);
  const totalNew = STAGES.reduce((s, k) => s + mean(sum.new, k), 0);
  console.log(['mean of all', '', ...STAGES.map((k) => cell(mean(sum.old, k), mean(sum.new, k))), cell(totalOld, totalNew), (totalNew / totalOld).toFixed(2)].join(' | '));
  console.log(`load average at the end ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
