import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { hasSharedData, REPO_ROOT } from '../helpers/paths';
import { priorityAt } from '../../services/report/src/worklist/priority';
import {
  SC_CLASS,
  SEG_CLASS,
  SR_CLASS,
  analyzeWithCli,
  chestCtStudy,
  enhancedHeadCtStudy,
  forgetStudy,
  headCtStudy,
  instanceClasses,
  pacs,
  reportStoredOf,
  reportUrl,
  srProbabilities,
  stackIsUp,
  waitUntil,
  wrappedStudy,
  writeStudy,
  type E2eStudy,
} from './pipelineHelpers';

/**
 * The whole pipeline on the real local stack (`npm run stack:up`: Orthanc, Kafka, Redis and the ingest, infer and
 * report services): real chest studies in, exactly one SR and one SC per in-scope study out (and one SEG where the
 * model measured lesions: CXR with a model that segments), numbers equal to
 * `lungflow analyze`, the worklist in priority order, no duplicates on a re-store, nothing for out-of-scope studies.
 */
jest.setTimeout(240_000);

const RESULT_WAIT_MS = 150_000;

interface Card {
  task?: string;
  classes: Array<{ name: string; code: { value: string } }>;
  files: { sha256: string };
  segmentation?: unknown;
}
const codeToClass = new Map<string, string>();
// Every release in models/: infer serves the newest of each task, and the test must not pin which one that is.
const modelFiles = new Set<string>();
// Model files whose results carry lesion findings (CXR releases that segment the lungs): report adds a SEG.
const lesionModelFiles = new Set<string>();
const releases = readdirSync(join(REPO_ROOT, 'models')).filter((name) => existsSync(join(REPO_ROOT, 'models', name, 'card.json')));
for (const release of releases) {
  const card = JSON.parse(readFileSync(join(REPO_ROOT, 'models', release, 'card.json'), 'utf8')) as Card;
  for (const c of card.classes) codeToClass.set(`${release.split('-')[0]}:${c.code.value}`, c.name);
  modelFiles.add(card.files.sha256);
  if (release.startsWith('cxr') && card.segmentation) lesionModelFiles.add(card.files.sha256);
}

interface WorklistItem {
  studyInstanceUid: string;
  modality: string;
  priority: number;
  probability: number;
  decision: { positive: boolean; className: string };
  listedAt: string;
  reportedAt: string;
  model: { sha256: string };
  sr: { sopInstanceUid: string };
  sc: { sopInstanceUid: string };
  seg?: { sopInstanceUid: string };
}

async function worklist(): Promise<{ generatedAt: string; items: WorklistItem[] }> {
  const response = await fetch(`${reportUrl()}/api/v1/worklist`);
  if (!response.ok) throw new Error(`worklist: ${response.status}`);
  return (await response.json()) as { generatedAt: string; items: WorklistItem[] };
}

describe('the pipeline end to end', () => {
  const studies: E2eStudy[] = [];
  const storedAt = new Map<string, number>();
  const cliResults = new Map<string, Promise<Record<string, number>>>();

  beforeAll(async () => {
    if (!hasSharedData()) throw new Error('../shared/data is missing (set LUNGFLOW_SHARED_DIR)');
    if (!(await stackIsUp())) throw new Error('the local stack with its services is not up: run `npm run stack:up` first');
    studies.push(
      await wrappedStudy('covid-pa', 'cxr/ieee8023/images/auntminnie-a-2020_01_28_23_51_6665_2020_01_28_Vietnam_coronavirus.jpeg', 'CR'),
      await wrappedStudy('strep-pa', 'cxr/ieee8023/images/streptococcus-pneumoniae-pneumonia-1.jpg', 'DX'),
      await wrappedStudy('normal-pa', 'cxr/rsna_normal/images/0025d2de-bd78-4d36-9f72-e15a5e22ca82.png', 'DX'),
      chestCtStudy(20),
      headCtStudy(3),
      enhancedHeadCtStudy(),
    );
    const client = pacs();
    for (const study of studies) {
      await client.storeInstances(study.instances, study.studyUid);
      storedAt.set(study.studyUid, Date.now());
    }
    // The CLI runs while the services work; one thread each, so the two-core machine is not swamped.
    for (const study of studies.filter((s) => s.inScope)) cliResults.set(study.studyUid, analyzeWithCli(writeStudy(study)));
  });

  it('gives each in-scope study exactly one SR and one SC, with the probabilities lungflow analyze computes', async () => {
    const deadline = Date.now() + RESULT_WAIT_MS;
    const latencies: string[] = [];
    for (const study of studies.filter((s) => s.inScope)) {
      const found = await waitUntil(`SR and SC of ${study.label}`, deadline, async () => {
        const instances = await instanceClasses(study.studyUid);
        const srs = instances.filter((i) => i.sopClassUid === SR_CLASS);
        const scs = instances.filter((i) => i.sopClassUid === SC_CLASS);
        const segs = instances.filter((i) => i.sopClassUid === SEG_CLASS);
        return srs.length > 0 && scs.length > 0 ? { srs, scs, segs, total: instances.length } : undefined;
      });
      latencies.push(`${study.label}: ${((Date.now() - (storedAt.get(study.studyUid) ?? 0)) / 1000).toFixed(1)} s`);
      expect(found.srs).toHaveLength(1);
      expect(found.scs).toHaveLength(1);

      // The CLI reads models/ now; the infer service loaded it at start. A newer release on disk needs a restart.
      const listedResult = (await worklist()).items.find((i) => i.studyInstanceUid === study.studyUid);
      if (listedResult && !modelFiles.has(listedResult.model.sha256)) {
        throw new Error(`the running infer service used model file ${listedResult.model.sha256.slice(0, 12)}, models/ now holds another: restart the stack (npm run stack:down && npm run stack:up)`);
      }
      // One SEG exactly where the serving model measures lesions, the one the worklist entry names.
      const withLesions = lesionModelFiles.has(listedResult?.model.sha256 ?? '');
      expect(found.segs.map((i) => i.sopInstanceUid)).toEqual(withLesions ? [listedResult?.seg?.sopInstanceUid] : []);
      expect(found.total).toBe(study.instances.length + 2 + (withLesions ? 1 : 0));
      const sr = found.srs[0]!;
      const bytes = await pacs().retrieveInstance(study.studyUid, sr.seriesInstanceUid, sr.sopInstanceUid);
      const task = study.label.startsWith('ct') ? 'ct' : 'cxr';
      // Class groups only: the lesion, severity and clinical groups have Findings of their own.
      const fromSr = Object.fromEntries(
        Object.entries(srProbabilities(bytes))
          .filter(([code]) => codeToClass.has(`${task}:${code}`))
          .map(([code, p]) => [codeToClass.get(`${task}:${code}`) as string, p]),
      );
      const fromCli = await cliResults.get(study.studyUid)!;
      expect(Object.keys(fromSr).sort()).toEqual(Object.keys(fromCli).sort());
      // Equal as the SR writes numbers (libs/dicom formatDecimal: a Decimal String with 10 decimals).
      for (const [name, p] of Object.entries(fromCli)) expect(fromSr[name]).toBe(Number(p.toFixed(10)));
    }
    process.stdout.write(`stored -> SR and SC in the PACS (from this test's polling, 1 s resolution): ${latencies.join(', ')}\n`);
  });

  it('lists the studies in priority order, the order the documented rule gives', async () => {
    const ours = new Set(studies.filter((s) => s.inScope).map((s) => s.studyUid));
    const { generatedAt, items } = await worklist();
    const listed = items.filter((item) => ours.has(item.studyInstanceUid));
    expect(listed).toHaveLength(ours.size);
    // Every item (ours and any already there) is in non-increasing priority, and each priority is the rule's value.
    const now = new Date(generatedAt);
    for (const item of items) {
      expect(item.priority).toBeCloseTo(priorityAt({ positive: item.decision.positive, probability: item.probability, listedAt: item.listedAt }, now), 1);
    }
    for (let i = 1; i < items.length; i += 1) expect(items[i - 1]!.priority).toBeGreaterThanOrEqual(items[i]!.priority - 1e-6);
    const expected = [...listed].sort((a, b) => priorityAt({ ...b, positive: b.decision.positive }, now) - priorityAt({ ...a, positive: a.decision.positive }, now));
    expect(listed.map((i) => i.studyInstanceUid)).toEqual(expected.map((i) => i.studyInstanceUid));
    // Filters: every CT item is a CT, every positive item is positive.
    const ct = (await (await fetch(`${reportUrl()}/api/v1/worklist?modality=CT`)).json()) as { items: WorklistItem[] };
    expect(ct.items.every((i) => i.modality === 'CT')).toBe(true);
    expect(ct.items.some((i) => i.studyInstanceUid === studies.find((s) => s.label === 'ct-chest')?.studyUid)).toBe(true);
  });

  it('adds no instance when the same study is stored again after the services forgot it, and it runs through infer and report again', async () => {
    const study = studies[0]!;
    const before = await instanceClasses(study.studyUid);
    const { items: listedBefore } = await worklist();
    // With their memory intact, ingest sees the same content hash and publishes nothing, so report's own defence is
    // never reached. Once ingest's published record (INGEST_PUBLISHED_TTL_MS, 30 days) and infer's done record
    // (INFER_DONE_TTL_MS, 7 days) have expired, or Redis lost them, a re-store goes through every service again; what
    // then keeps it to one SR and one SC is report's deterministic result UIDs and the PACS keeping one instance per
    // SOP Instance UID. Deleting those records plays the expiry without waiting a month.
    const reported = reportStoredOf(study.studyUid);
    try {
      await reported.atLeast(1, 60_000); // the first pass, already in the PACS
      const firstPass = reported.events();
      expect(firstPass).toHaveLength(1);
      const forgotten = await forgetStudy(study.studyUid);
      expect(forgotten.ingest).toBeGreaterThan(0);
      expect(forgotten.infer).toBeGreaterThan(0);
      await pacs().storeInstances(study.instances, study.studyUid);
      // Assert only once report has finished the second pass (its report.stored on Kafka), and a while after it,
      // so a third pass or a late extra instance would still be seen.
      await reported.atLeast(2, RESULT_WAIT_MS);
      await new Promise((r) => setTimeout(r, 5_000));
      const events = reported.events();
      expect(events.map((e) => e.studyVersion)).toEqual([firstPass[0]!.studyVersion, firstPass[0]!.studyVersion]);
      const after = await instanceClasses(study.studyUid);
      expect(after.filter((i) => i.sopClassUid === SR_CLASS)).toHaveLength(1);
      expect(after.filter((i) => i.sopClassUid === SC_CLASS)).toHaveLength(1);
      expect(after.map((i) => i.sopInstanceUid).sort()).toEqual(before.map((i) => i.sopInstanceUid).sort());
      const { items: listedAfter } = await worklist();
      expect(listedAfter.filter((i) => i.studyInstanceUid === study.studyUid)).toHaveLength(1);
      expect(listedAfter.find((i) => i.studyInstanceUid === study.studyUid)?.sr.sopInstanceUid).toBe(listedBefore.find((i) => i.studyInstanceUid === study.studyUid)?.sr.sopInstanceUid);
    } finally {
      await reported.stop();
    }
  });

  it('produces nothing for out-of-scope studies (a head CT, an enhanced multi-frame head CT)', async () => {
    for (const study of studies.filter((s) => !s.inScope)) {
      const instances = await instanceClasses(study.studyUid);
      expect(instances).toHaveLength(study.instances.length);
      expect(instances.every((i) => i.sopClassUid !== SR_CLASS && i.sopClassUid !== SC_CLASS && i.sopClassUid !== SEG_CLASS)).toBe(true);
      const response = await fetch(`${reportUrl()}/api/v1/studies/${study.studyUid}`);
      expect(response.status).toBe(404);
    }
  });
});
