import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { deadLetter, inferenceCompleted, studyReceived, type StudyReceived } from '@lungflow/contracts';
import { readPart10, attr } from '@lungflow/dicom';
import { DicomWebClient } from '@lungflow/dicomweb';
import { EventProducer } from '@lungflow/kafka';
import { createLogger } from '@lungflow/logging';
import { run as lungflow } from '../../cli/src/main';
import { build } from '../../services/infer/src/app';
import { loadInferConfig } from '../../services/infer/src/config';
import { newUid, rewriteDicom, sharedDicom } from '../helpers/dicomFixtures';
import { createTestTopic, testKafka, waitForMessages } from '../helpers/kafka';
import { stackSettings } from '../helpers/stackSettings';

// Real Orthanc, Kafka and Redis from deploy/local (npm run stack:up), the released models from models/.
jest.setTimeout(180_000);

const stack = stackSettings();
const kafka = testKafka('lungflow-infer-test');
const quiet = createLogger({ service: 'infer-test', level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) });
const pacs = new DicomWebClient({ baseUrl: stack.dicomwebUrl, auth: { username: stack.username, password: stack.password } });

/** A real shared file under fresh UIDs, stored in Orthanc and written to a temp file for `lungflow analyze`. */
async function storeStudy(relative: string): Promise<{ file: string; event: StudyReceived }> {
  const bytes = rewriteDicom(sharedDicom(relative), { studyUid: newUid(), seriesUid: newUid(), sopUid: newUid() });
  await pacs.storeInstances([new Uint8Array(bytes)]);
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'lungflow-infer-')), path.basename(relative));
  writeFileSync(file, bytes);
  const { dataset, sopInstanceUid, sopClassUid } = readPart10(new Uint8Array(bytes));
  const study = attr.string(dataset, 'StudyInstanceUID') as string;
  const series = attr.string(dataset, 'SeriesInstanceUID') as string;
  const modality = attr.string(dataset, 'Modality') as 'CR' | 'DX' | 'CT';
  const base = `${stack.dicomwebUrl}/studies/${study}`;
  const event: StudyReceived = {
    schemaVersion: 1,
    studyInstanceUid: study,
    studyVersion: 1,
    contentHash: randomUUID().replace(/-/g, '').repeat(2),
    modalities: [modality],
    bodyParts: [],
    instanceCount: 1,
    series: [{
      seriesInstanceUid: series, modality, kind: modality === 'CT' ? 'ct' : 'cxr', instanceCount: 1, wadoRsUrl: `${base}/series/${series}`,
      instances: [{ sopInstanceUid: sopInstanceUid as string, sopClassUid: sopClassUid as string, numberOfFrames: attr.number(dataset, 'NumberOfFrames') ?? 1, wadoRsUrl: `${base}/series/${series}/instances/${sopInstanceUid}` }],
    }],
    wadoRsUrl: base,
    receivedAt: new Date().toISOString(),
    sourcePacsId: 'orthanc-local',
    source: 'stow',
    traceId: randomUUID(),
  };
  return { file, event };
}

/** What `lungflow analyze --json FILE` prints for the file. */
async function analyzeWithCli(file: string): Promise<{ ok: boolean; probabilities: Record<string, number>; images: { probabilities: Record<string, number> }[] }> {
  let stdout = '';
  const io = { stdout: new Writable({ write: (chunk, _e, cb) => { stdout += String(chunk); cb(); } }), stderr: new Writable({ write: (_c, _e, cb) => cb() }) };
  const code = await lungflow(['node', 'lungflow', 'analyze', '--json', file], io);
  expect(code).toBe(0);
  return JSON.parse(stdout.trim());
}

async function topics() {
  return {
    studyReceived: await createTestTopic(kafka, undefined, 1),
    inferenceCompleted: await createTestTopic(kafka),
    deadLetter: await createTestTopic(kafka, undefined, 1),
  };
}

function service(topicNames: Awaited<ReturnType<typeof topics>>, env: Record<string, string> = {}, group = `infer-test-${randomUUID()}`) {
  const config = loadInferConfig({
    ...process.env,
    DICOMWEB_URL: stack.dicomwebUrl,
    DICOMWEB_USERNAME: stack.username,
    DICOMWEB_PASSWORD: stack.password,
    KAFKA_BROKERS: stack.kafkaBrokers.join(','),
    REDIS_URL: stack.redisUrl,
    INFER_REDIS_PREFIX: `lungflow:infer-test:${randomUUID()}:`,
    INFER_CONSUMER_GROUP: group,
    INFER_RETRY_INITIAL_MS: '200',
    INFER_RETRY_MAX_MS: '1000',
    ...env,
  });
  return build(config, { topicNames, logger: quiet });
}

describe('services/infer on the real stack', () => {
  it('turns one study.received into one inference.completed with the numbers lungflow analyze gives for the same file', async () => {
    const names = await topics();
    const ct = await storeStudy('pydicom_debian_pkg/CT_small.dcm');
    const cxr = await storeStudy('torchxrayvision/1.2.276.0.7230010.3.1.4.8323329.6904.1517875201.850819.dcm');
    // JPEG 2000: the local Orthanc cannot transcode it (HTTP 500), so infer falls back to the stored syntax.
    const j2k = await storeStudy('pydicom_data/RG1_J2KI.dcm');
    const infer = await service(names);
    await infer.start();
    const producer = new EventProducer(kafka, names);
    try {
      for (const { event } of [ct, cxr, j2k]) await producer.send(studyReceived, { studyInstanceUid: event.studyInstanceUid }, event);
      const out = await waitForMessages(kafka, inferenceCompleted, names.inferenceCompleted, { count: 3, timeoutMs: 120_000 });
      expect(out).toHaveLength(3);
      for (const { file, event } of [ct, cxr, j2k]) {
        const done = out.filter((m) => m.value.studyInstanceUid === event.studyInstanceUid);
        expect(done).toHaveLength(1);
        const value = done[0].value;
        expect(value.results).toHaveLength(1);
        expect(value.results[0].model.sha256).toMatch(/^[0-9a-f]{64}$/);
        expect(value.results[0].activationMap?.encoding).toBe('float32-base64');
        const cli = await analyzeWithCli(file);
        // Same pixels (Orthanc sends the stored values back uncompressed; for the JPEG CR it decodes them with its
        // own codec; the JPEG 2000 CR comes as stored and is decoded here) through the same pipeline and model.
        for (const [name, p] of Object.entries(cli.images[0].probabilities)) expect(Math.abs((value.results[0].probabilities[name] as number) - p)).toBeLessThanOrEqual(1e-6);
        for (const [name, p] of Object.entries(cli.probabilities)) expect(Math.abs((value.aggregate.probabilities[name] as number) - p)).toBeLessThanOrEqual(1e-6);
      }
    } finally {
      await producer.disconnect();
      await infer.stop();
    }
  });

  it('reads a CT series with one series metadata request and gives each slice the numbers lungflow analyze gives it', async () => {
    const names = await topics();
    const studyUid = newUid();
    const seriesUid = newUid();
    const slices = ['tcia_covid19_ny_sbu/A048383/axial/19001231-30.dcm', 'tcia_covid19_ny_sbu/A048383/axial/19010410-30.dcm'];
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lungflow-infer-ct-'));
    const stored = Array.from({ length: 4 }, (_, i) => {
      const bytes = rewriteDicom(sharedDicom(slices[i % 2] as string), { studyUid, seriesUid, sopUid: newUid(), set: { InstanceNumber: String(i + 1) } });
      const file = path.join(dir, `slice-${i + 1}.dcm`);
      writeFileSync(file, bytes);
      const { sopInstanceUid, sopClassUid } = readPart10(new Uint8Array(bytes));
      return { bytes, file, sopInstanceUid: sopInstanceUid as string, sopClassUid: sopClassUid as string };
    });
    await pacs.storeInstances(stored.map((s) => new Uint8Array(s.bytes)));
    const base = `${stack.dicomwebUrl}/studies/${studyUid}`;
    const event: StudyReceived = {
      schemaVersion: 1, studyInstanceUid: studyUid, studyVersion: 1, contentHash: randomUUID().replace(/-/g, '').repeat(2), modalities: ['CT'], bodyParts: [], instanceCount: 4,
      series: [{
        seriesInstanceUid: seriesUid, modality: 'CT', kind: 'ct', instanceCount: 4, wadoRsUrl: `${base}/series/${seriesUid}`,
        instances: stored.map((s) => ({ sopInstanceUid: s.sopInstanceUid, sopClassUid: s.sopClassUid, numberOfFrames: 1, wadoRsUrl: `${base}/series/${seriesUid}/instances/${s.sopInstanceUid}` })),
      }],
      wadoRsUrl: base, receivedAt: new Date().toISOString(), sourcePacsId: 'orthanc-local', source: 'stow', traceId: randomUUID(),
    };
    const infer = await service(names);
    await infer.start();
    const producer = new EventProducer(kafka, names);
    try {
      await producer.send(studyReceived, { studyInstanceUid: studyUid }, event);
      const [done] = await waitForMessages(kafka, inferenceCompleted, names.inferenceCompleted, { count: 1, timeoutMs: 120_000 });
      expect(done?.value.results.map((r) => r.sopInstanceUid).sort()).toEqual(stored.map((s) => s.sopInstanceUid).sort());
      expect(done?.value.ctLungs?.[0]?.lungs.slices).toBe(4);
      for (const slice of stored) {
        const result = done?.value.results.find((r) => r.sopInstanceUid === slice.sopInstanceUid);
        const cli = await analyzeWithCli(slice.file);
        for (const [name, p] of Object.entries(cli.images[0]?.probabilities ?? {})) expect(Math.abs((result?.probabilities[name] as number) - p)).toBeLessThanOrEqual(1e-6);
      }
    } finally {
      await producer.disconnect();
      await infer.stop();
    }
  });

  it('dead-letters an unreadable study with its reason and moves on to the next message of the partition', async () => {
    const names = await topics();
    const good = await storeStudy('pydicom_debian_pkg/CT_small.dcm');
    const missing: StudyReceived = { ...good.event, studyInstanceUid: newUid(), traceId: randomUUID() };
    missing.series = [{ ...good.event.series[0], instances: [{ ...good.event.series[0].instances[0], sopInstanceUid: newUid() }] }];
    const producer = new EventProducer(kafka, names);
    await producer.send(studyReceived, { studyInstanceUid: missing.studyInstanceUid }, missing);
    await producer.send(studyReceived, { studyInstanceUid: good.event.studyInstanceUid }, good.event);
    const infer = await service(names);
    await infer.start();
    try {
      const letters = await waitForMessages(kafka, deadLetter, names.deadLetter, { count: 1, timeoutMs: 60_000 });
      const out = await waitForMessages(kafka, inferenceCompleted, names.inferenceCompleted, { count: 1, timeoutMs: 60_000 });
      expect(letters).toHaveLength(1);
      expect(letters[0].value.errorCode).toBe('DICOMWEB_HTTP_4XX');
      expect(letters[0].value.reason).toContain('404');
      expect(out.map((m) => m.value.studyInstanceUid)).toEqual([good.event.studyInstanceUid]);
    } finally {
      await producer.disconnect();
      await infer.stop();
    }
  });

  it('waits out a PACS outage without committing, and a replacement replica redoes the study with the same result', async () => {
    const names = await topics();
    const study = await storeStudy('pydicom_debian_pkg/CT_small.dcm');
    const group = `infer-test-${randomUUID()}`;
    const producer = new EventProducer(kafka, names);
    await producer.send(studyReceived, { studyInstanceUid: study.event.studyInstanceUid }, study.event);

    const down = await service(names, { DICOMWEB_URL: 'http://127.0.0.1:9/dicom-web' }, group);
    await down.start();
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    const admin = kafka.admin();
    await admin.connect();
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [names.studyReceived] });
    await down.stop();
    expect(committed.partitions.map((p) => p.offset)).toEqual(['-1']);
    const none = await waitForMessages(kafka, inferenceCompleted, names.inferenceCompleted, { count: 1, timeoutMs: 1_000, settleMs: 0 });
    expect(none).toEqual([]);

    const up = await service(names, {}, group);
    await up.start();
    try {
      const out = await waitForMessages(kafka, inferenceCompleted, names.inferenceCompleted, { count: 1, timeoutMs: 60_000 });
      expect(out).toHaveLength(1);
      const cli = await analyzeWithCli(study.file);
      for (const [name, p] of Object.entries(cli.probabilities)) expect(Math.abs((out[0].value.aggregate.probabilities[name] as number) - p)).toBeLessThanOrEqual(1e-6);
      const deadline = Date.now() + 10_000;
      let offset = '-1';
      while (offset === '-1' && Date.now() < deadline) {
        const [after] = await admin.fetchOffsets({ groupId: group, topics: [names.studyReceived] });
        offset = after.partitions[0].offset;
        if (offset === '-1') await new Promise((resolve) => setTimeout(resolve, 200));
      }
      expect(offset).toBe('1');
    } finally {
      await admin.disconnect();
      await producer.disconnect();
      await up.stop();
    }
  });

  it('does not publish a redelivered study twice when another replica, sharing Redis, gets it (issue 16 item 11)', async () => {
    // The redelivery after a crash between publish and commit, on another replica: the group's offset is moved back
    // and a second replica with the same Redis prefix (as every replica of one deployment has) takes the partition.
    // The other tests give each replica its own prefix, so this done-check across replicas was never exercised.
    const names = await topics();
    const study = await storeStudy('pydicom_debian_pkg/CT_small.dcm');
    const group = `infer-test-${randomUUID()}`;
    const shared = { INFER_REDIS_PREFIX: `lungflow:infer-test:${randomUUID()}:` };
    const producer = new EventProducer(kafka, names);
    await producer.send(studyReceived, { studyInstanceUid: study.event.studyInstanceUid }, study.event);
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    const committedOffset = async () => (await admin.fetchOffsets({ groupId: group, topics: [names.studyReceived] }))[0]!.partitions[0]!.offset;
    const committed = async (offset: string) => {
      for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 200))) if ((await committedOffset()) === offset) return;
      throw new Error(`offset of ${group} never reached ${offset} (at ${await committedOffset()})`);
    };
    try {
      const first = await service(names, shared, group);
      await first.start();
      try {
        expect(await waitForMessages(kafka, inferenceCompleted, names.inferenceCompleted, { count: 1, timeoutMs: 60_000 })).toHaveLength(1);
        await committed('1');
      } finally {
        await first.stop();
      }
      await admin.setOffsets({ groupId: group, topic: names.studyReceived, partitions: [{ partition: 0, offset: '0' }] });
      expect(await committedOffset()).toBe('0');

      const second = await service(names, shared, group);
      await second.start();
      try {
        await committed('1'); // the second replica took the message and finished with it
        const all = await waitForMessages(kafka, inferenceCompleted, names.inferenceCompleted, { count: 2, timeoutMs: 5_000 });
        expect(all.map((m) => m.value.studyInstanceUid)).toEqual([study.event.studyInstanceUid]);
      } finally {
        await second.stop();
      }
    } finally {
      await admin.disconnect();
    }
  });

  it('batches images of different studies together (micro-batching across messages)', async () => {
    const names = { ...(await topics()), studyReceived: await createTestTopic(kafka, undefined, 6) };
    const studies = await Promise.all(Array.from({ length: 6 }, () => storeStudy('pydicom_debian_pkg/CT_small.dcm')));
    const producer = new EventProducer(kafka, names);
    for (const { event } of studies) await producer.send(studyReceived, { studyInstanceUid: event.studyInstanceUid }, event);
    // Each study has one image, so a batch of two or more can only come from two studies in flight at once.
    const infer = await service(names, { INFER_CONCURRENT_STUDIES: '6', INFER_MAX_BATCH: '8', INFER_MAX_WAIT_MS: '500' });
    await infer.start();
    try {
      const out = await waitForMessages(kafka, inferenceCompleted, names.inferenceCompleted, { count: 6, timeoutMs: 90_000 });
      expect(out).toHaveLength(6);
      const metrics = (await infer.app.inject({ method: 'GET', url: '/metrics' })).body;
      const value = (series: string, labels: RegExp = /[^}]*/): number => Number(new RegExp(`lungflow_infer_batch_size_${series}\\{${labels.source}task="ct"[^}]*\\} (\\d+)`).exec(metrics)?.[1]);
      const single = value('bucket', /le="1",[^}]*/);
      const batches = value('count');
      const images = value('sum');
      expect(images).toBe(6);
      expect(batches).toBeLessThan(6);
      expect(single).toBeLessThan(batches);
    } finally {
      await producer.disconnect();
      await infer.stop();
    }
  });
});
