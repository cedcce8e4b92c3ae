/**
 * `npx tsx bench/report/benchReport.ts`: report's CPU per study without the network. The real inference.completed
 * handler (services/report) runs on each CXR sample of samples/ against in-process fakes of the PACS (it hands
 * back the sample, accepts every STOW), the worklist and Kafka, one study at a time, and the CPU of each of its
 * stages is read at the stage boundaries (process.cpuUsage: user + system of the whole process, so sharp's
 * threads and GC count). Beside it, in the same run, the baselines kept for the two parts that changed:
 * rendering the source with the per-pixel passes (renderReference) against renderFrame, and writing the SC with
 * dcmjs alone against writePart10. Figures are CPU, not wall time: the box is shared.
 *
 * Options: --rounds N (default 10).
 */
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { InferenceCompleted } from '@lungflow/contracts';
import { createLogger } from '@lungflow/logging';
import { readPart10, renderFrame, type NaturalizedDataset } from '../../libs/dicom/src';
import { renderReference } from '../../libs/dicom/src/pixels/__tests__/renderReference';
import { writePart10 } from '../../libs/dicom/src/write/writePart10';
import { writePart10Reference } from '../../libs/dicom/src/write/__tests__/writePart10Reference';
import { handleInferenceCompleted } from '../../services/report/src/handlers/inferenceCompleted';
import { ModelCatalog } from '../../services/report/src/ModelCatalog';

const ROOT = path.resolve(__dirname, '../..');
const args = process.argv.slice(2);
const ROUNDS = Number(args[args.indexOf('--rounds') + 1] ?? 10) || 10;
const MODEL = { id: 'cxr-v2', version: '2.0.0' };

const cpuNow = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function cpuMs(fn: () => unknown): Promise<number> {
  const start = cpuNow();
  await fn();
  return cpuNow() - start;
}

function event(dataset: NaturalizedDataset): InferenceCompleted {
  const cam = new Float32Array(49).map((_, i) => ((i % 7) + Math.floor(i / 7)) / 12);
  const probabilities = { covid19: 0.7, other_pneumonia: 0.2, no_finding: 0.1 };
  const decision = { className: 'covid19', threshold: 0.5, positive: true };
  return {
    schemaVersion: 1,
    studyInstanceUid: String(dataset.StudyInstanceUID),
    studyVersion: 1,
    traceId: '0123456789abcdef',
    sourcePacsId: 'orthanc-local',
    results: [
      {
        seriesInstanceUid: String(dataset.SeriesInstanceUID),
        sopInstanceUid: String(dataset.SOPInstanceUID),
        sopClassUid: String(dataset.SOPClassUID),
        frame: 1,
        model: { ...MODEL, sha256: 'a'.repeat(64) },
        probabilities,
        decision,
        activationMap: { shape: [7, 7], encoding: 'float32-base64', data: Buffer.from(cam.buffer).toString('base64'), className: 'covid19' },
      },
    ],
    aggregate: { method: 'max', probabilities, decision, analysedImages: 1 },
    provenance: { lungflowVersion: '0.1.0', startedAt: '2026-12-03T07:00:00Z', finishedAt: '2026-12-03T07:00:01Z' },
  } as InferenceCompleted;
}

async function main(): Promise<void> {
  const catalog = await ModelCatalog.load(path.join(ROOT, 'models'));
  const samples = readdirSync(path.join(ROOT, 'samples'))
    .filter((f) => f.endsWith('.dcm'))
    .map((f) => ({ name: f, bytes: new Uint8Array(readFileSync(path.join(ROOT, 'samples', f))) }))
    .map((s) => ({ ...s, dataset: readPart10(s.bytes).dataset }))
    .filter((s) => s.dataset.Modality !== 'CT');
  let current = samples[0] as (typeof samples)[number];
  let storedSc: Uint8Array = new Uint8Array(0);
  const stages = new Map<string, number>();
  let mark = 0;
  const handler = handleInferenceCompleted({
    pacs: {
      retrieveInstance: async () => current.bytes,
      searchInstances: async () => [],
      storeInstances: async (parts) => {
        storedSc = parts[1] as Uint8Array;
        return { stored: parts.map(() => ({})), failed: [] } as never;
      },
      retrieveRendered: async () => new Uint8Array(),
    },
    catalog,
    worklist: { upsert: async (entry, now) => ({ ...entry, listedAt: now.toISOString() }) as never },
    publish: async () => undefined,
    logger: createLogger({ service: 'bench-report', level: 'silent' }),
    dicomWebUrl: 'http://pacs.example/dicom-web',
    lungflowVersion: '0.1.0',
    onStage: (stage) => {
      const at = cpuNow();
      stages.set(stage, (stages.get(stage) ?? 0) + at - mark);
      mark = at;
    },
  });
  const context = { topic: 'inference.completed', partition: 0, offset: '0', headers: {}, attempt: 1 };
  const study = async () => {
    mark = cpuNow();
    await handler({ key: { studyInstanceUid: String(current.dataset.StudyInstanceUID) }, value: event(current.dataset) }, context);
  };
  const load = os.loadavg();
  console.log(`bench/report: ${samples.length} CXR samples × ${ROUNDS} rounds; ${os.cpus().length} CPUs, load average ${load.map((l) => l.toFixed(1)).join(' ')}`);
  for (const s of samples) {
    current = s;
    await study(); // warm-up
  }
  stages.clear();
  let total = 0;
  const render = { old: 0, new: 0 };
  const write = { old: 0, new: 0 };
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const s of samples) {
      current = s;
      total += await cpuMs(study);
      // baselines on the same sample: source render and SC write, the old way and today's, order alternating
      const instance = readPart10(s.bytes);
      // the SC as stored, read back (outside the timed handler): what the SC-writing baseline writes again
      const sc = readPart10(storedSc);
      const scPixels = sc.pixelData?.encapsulated === false ? (sc.pixelData.buffers[0] as Uint8Array) : new Uint8Array(0);
      const scDataset: NaturalizedDataset = { ...sc.dataset, PixelData: [scPixels.slice().buffer] };
      const pairs: [keyof typeof render, () => Promise<unknown>, () => unknown][] = [
        ['old', () => renderReference(instance), () => writePart10Reference(scDataset, { PixelData: 'OB' })],
        ['new', () => renderFrame(instance), () => writePart10(scDataset, { PixelData: 'OB' })],
      ];
      for (const [which, r, w] of round % 2 === 0 ? pairs : [...pairs].reverse()) {
        render[which] += await cpuMs(r);
        write[which] += await cpuMs(w);
      }
    }
  }
  const n = ROUNDS * samples.length;
  const per = (v: number) => (v / n).toFixed(1);
  console.log(`\nhandler CPU ms per study (mean of ${n}): ${per(total)}`);
  console.log(`  by stage: ${[...stages].map(([k, v]) => `${k} ${per(v)}`).join(', ')}`);
  console.log(`baselines, CPU ms per study, old → new:`);
  console.log(`  render the source (decode + Modality/VOI/8-bit): ${per(render.old)} → ${per(render.new)}`);
  console.log(`  write the SC's Part 10 (dcmjs alone → Pixel Data appended): ${per(write.old)} → ${per(write.new)}`);
  console.log(`load average at the end ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
