import { randomUUID } from 'node:crypto';
import { auditEvent, encodeMessage, inferenceCompleted, reportStoredV2, type AuditEvent, type InferenceCompleted, type ReportStoredV2 } from '@lungflow/contracts';
import { createKafka, ensureTopics } from '@lungflow/kafka';
import { createRedis, type Redis } from '@lungflow/redis';
import { reviewReport, writePart10 } from '@lungflow/dicom';
import { DicomWebClient } from '@lungflow/dicomweb';
import { stackSettings } from '../../../../test/helpers/stackSettings';
import { REVIEW_LABELS } from '../review/labels';
import { ReviewStore } from '../review/ReviewStore';
import { completedEvent } from '../testing/completedEvent';
import { WORKLIST_MARK, WorklistRebuild, entryOf } from './WorklistRebuild';
import { WorklistStore } from './WorklistStore';
import { deviceFromPacs } from './sourceDevice';

// Real Kafka, Redis and Orthanc from deploy/local (npm run stack:up): topics and a key prefix of this run only.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const BROKERS = (process.env.KAFKA_BROKERS ?? `127.0.0.1:${process.env.KAFKA_PORT ?? 9092}`).split(',');
jest.setTimeout(90_000);

const silent = { info: () => undefined, warn: () => undefined };

function storedOf(event: InferenceCompleted, storedAt: string, withSeg = false): ReportStoredV2 {
  const object = (series: string, sop: string) => ({ studyInstanceUid: event.studyInstanceUid, seriesInstanceUid: series, sopInstanceUid: sop, sopClassUid: '1.2.840.10008.5.1.4.1.1.7', wadoRsUrl: `http://pacs/dicom-web/studies/${event.studyInstanceUid}/series/${series}/instances/${sop}` });
  return {
    schemaVersion: 2,
    studyInstanceUid: event.studyInstanceUid,
    studyVersion: event.studyVersion,
    traceId: event.traceId,
    sourcePacsId: event.sourcePacsId,
    priority: event.aggregate.decision.positive ? 'urgent' : 'routine',
    sr: { ...object(`${event.studyInstanceUid}.90`, `${event.studyInstanceUid}.90.${event.studyVersion}`), sopClassUid: '1.2.840.10008.5.1.4.1.1.88.34' },
    secondaryCaptures: [object(`${event.studyInstanceUid}.91`, `${event.studyInstanceUid}.91.${event.studyVersion}`)],
    ...(withSeg ? { segmentations: [{ ...object(`${event.studyInstanceUid}.92`, `${event.studyInstanceUid}.92.${event.studyVersion}`), sopClassUid: '1.2.840.10008.5.1.4.1.1.66.4' }] } : {}),
    storedAt,
    result: { modality: 'DX', model: event.results[0]!.model, decision: event.aggregate.decision, probabilities: event.aggregate.probabilities, analysedImages: 1 },
  };
}

describe('WorklistRebuild (issue 16 item 6: Redis lost the worklist; real Kafka and Redis)', () => {
  const kafka = createKafka({ brokers: BROKERS, clientId: 'worklist-rebuild-test' });
  const topics = { reportStoredV2: `test.report.stored.v2.${randomUUID()}`, inferenceCompleted: `test.inference.completed.${randomUUID()}`, audit: `test.audit.${randomUUID()}` };
  let redis: Redis;

  beforeAll(async () => {
    await ensureTopics(kafka, [
      { name: topics.reportStoredV2, partitions: 2, retentionMs: 3_600_000, key: 'test' },
      { name: topics.inferenceCompleted, partitions: 2, retentionMs: 3_600_000, key: 'test' },
      { name: topics.audit, partitions: 2, retentionMs: 3_600_000, key: 'test' },
    ]);
    redis = createRedis(REDIS_URL, { keyPrefix: `test:rebuild:${randomUUID()}:` });
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('lists each stored study again with its newest version, its drawn image and its first listing time, once', async () => {
    const base = `2.25.${Date.now()}${Math.floor(Math.random() * 1e6)}`;
    const study = (n: number) => ({ studyUid: `${base}.${n}`, seriesUid: `${base}.${n}.1`, sopUid: `${base}.${n}.1.1` });
    // Study 1: two versions (v2 must win, listed at v1's time); study 2: one version; study 3: stored, but its
    // inference.completed is gone (retention); study 4: still on the worklist (left as it is).
    const v1 = completedEvent(study(1));
    const v2 = { ...completedEvent(study(1), { covid19: 0.9, other_pneumonia: 0.05, no_finding: 0.05 }), studyVersion: 2 };
    const two = completedEvent(study(2), { covid19: 0.1, other_pneumonia: 0.2, no_finding: 0.7 });
    const gone = completedEvent(study(3));
    const kept = completedEvent(study(4));
    const producer = kafka.producer();
    await producer.connect();
    const send = async (topic: string, messages: Array<{ key: string; value: string }>) => void (await producer.send({ topic, messages }));
    await send(topics.inferenceCompleted, [v1, v2, two, kept].map((e) => encodeMessage(inferenceCompleted, { studyInstanceUid: e.studyInstanceUid }, e)));
    await send(topics.reportStoredV2, [
      [v1, '2026-12-03T01:00:00.000Z'],
      [v2, '2026-12-03T02:00:00.000Z', true],
      [two, '2026-12-03T01:30:00.000Z'],
      [gone, '2026-12-03T01:40:00.000Z'],
      [kept, '2026-12-03T01:50:00.000Z'],
    ].map(([e, at, withSeg]) => encodeMessage(reportStoredV2, { studyInstanceUid: (e as InferenceCompleted).studyInstanceUid }, storedOf(e as InferenceCompleted, at as string, withSeg === true))));
    // Reviews: dr.a saved revisions 1 and 2 of study 1, dr.b revision 1; a view is no save.
    const saved = (studyInstanceUid: string, username: string, revision: number | undefined, at: string, action: AuditEvent['action'] = 'review.saved'): AuditEvent => ({
      schemaVersion: 1, eventId: randomUUID(), at, action, actor: { username, method: 'local', roles: ['reviewer'] }, studyInstanceUid, sopInstanceUids: [], ...(revision ? { revision } : {}), outcome: 'success',
    });
    await send(topics.audit, [
      saved(study(1).studyUid, 'dr.a', 2, '2026-12-03T03:00:00.000Z'),
      saved(study(1).studyUid, 'dr.a', 1, '2026-12-03T02:30:00.000Z'),
      saved(study(1).studyUid, 'dr.b', 1, '2026-12-03T02:45:00.000Z'),
      saved(study(2).studyUid, 'dr.c', undefined, '2026-12-03T03:10:00.000Z', 'study.viewed'),
    ].map((e) => encodeMessage(auditEvent, { studyInstanceUid: e.studyInstanceUid }, e)));
    await producer.disconnect();

    const worklist = new WorklistStore(redis, 'changes');
    await worklist.upsert({ ...entryOf(storedOf(kept, '2026-12-03T01:50:00.000Z'), kept), modality: 'KEPT' }, new Date('2026-12-03T01:50:00.000Z'));

    // Study 1's drawn image is in the PACS with its device; study 2's is not (its entry is listed without one).
    const stack = stackSettings();
    const pacs = new DicomWebClient({ baseUrl: stack.dicomwebUrl, auth: { username: stack.username, password: stack.password } });
    const image = study(1);
    const source = { SOPClassUID: '1.2.840.10008.5.1.4.1.1.1.1', SOPInstanceUID: image.sopUid, StudyInstanceUID: image.studyUid, SeriesInstanceUID: image.seriesUid, Modality: 'DX', Manufacturer: 'ACME', ManufacturerModelName: 'DR-1', Rows: 2, Columns: 2 };
    // dr.a's revision 2 (the study's latest save): other pneumonia, disagreeing with version 2's positive COVID-19 SR
    const review = reviewReport({
      source, reviewer: { username: 'dr.a', displayName: 'A^Doctor' }, revision: 2, label: REVIEW_LABELS.other_pneumonia.code, agreesWithModel: false,
      modelSr: { sopClassUid: '1.2.840.10008.5.1.4.1.1.88.34', sopInstanceUid: `${image.studyUid}.90.2`, seriesInstanceUid: `${image.studyUid}.90` },
      lesionMask: { rows: 2, columns: 2, data: new Uint8Array(4) }, softwareVersion: '0.1.0', now: new Date('2026-12-03T03:00:00.000Z'),
    }, { seriesInstanceUid: `${image.studyUid}.93`, sopInstanceUid: `${image.studyUid}.93.1` });
    await pacs.storeInstances([writePart10(source), review.part10]);

    const reviews = new ReviewStore(redis);
    const reviewSr = (ref: { studyInstanceUid: string; seriesInstanceUid: string; sopInstanceUid: string }) => pacs.retrieveInstance(ref.studyInstanceUid, ref.seriesInstanceUid, ref.sopInstanceUid);
    const rebuild = new WorklistRebuild({ kafka, redis, worklist, logger: silent, topics, sourceDevice: deviceFromPacs(pacs), reviews, reviewSr });
    expect(await rebuild.ifLost()).toBe(2); // studies 1 and 2; not 3 (no result left), not 4 (listed)
    expect(await redis.exists(WORKLIST_MARK)).toBe(1);
    expect(await rebuild.ifLost()).toBeNull(); // the mark is there: nothing to do

    const one = await worklist.get(study(1).studyUid);
    expect(one).toMatchObject({ studyVersion: 2, listedAt: '2026-12-03T01:00:00.000Z', reportedAt: '2026-12-03T02:00:00.000Z', source: { sopInstanceUid: study(1).sopUid, frame: 1 }, decision: { positive: true } });
    expect(one?.sr.sopInstanceUid).toBe(`${study(1).studyUid}.90.2`);
    // what Redis alone held before: the SEG link (from report.stored v2) and the device (from the PACS)
    expect(one?.seg?.sopInstanceUid).toBe(`${study(1).studyUid}.92.2`);
    expect(one?.sourceDevice).toBe('ACME DR-1');
    expect(await worklist.get(study(2).studyUid)).toMatchObject({ studyVersion: 1, decision: { positive: false } });
    expect(await worklist.get(study(2).studyUid)).not.toHaveProperty('sourceDevice');
    expect(await worklist.get(study(2).studyUid)).not.toHaveProperty('seg');
    expect(await worklist.get(study(3).studyUid)).toBeUndefined();
    expect((await worklist.get(study(4).studyUid))?.modality).toBe('KEPT');
    // the next save of dr.a is revision 3 (new UIDs), not 1 again (which would overwrite the first review in the PACS)
    expect(await reviews.nextRevision(study(1).studyUid, 'dr.a')).toBe(3);
    expect(await reviews.nextRevision(study(1).studyUid, 'dr.b')).toBe(2);
    expect(await reviews.nextRevision(study(2).studyUid, 'dr.c')).toBe(1);
    // a counter already beyond the audit trail (a save after the loss) is not lowered
    expect(await reviews.raiseRevision(study(1).studyUid, 'dr.a', 2)).toBe(false);
    // the worklist's review column: study 1's latest save read back from its SR, with the decision it reviewed
    expect(await reviews.latest(study(1).studyUid)).toEqual({
      studyInstanceUid: study(1).studyUid, username: 'dr.a', revision: 2, label: 'other_pneumonia', agreesWithModel: false, modelClass: 'covid19', modelPositive: true,
      savedAt: '2026-12-03T03:00:00.000Z', sr: { seriesInstanceUid: review.seriesInstanceUid, sopInstanceUid: review.sopInstanceUid }, seg: expect.objectContaining({ sopInstanceUid: expect.any(String) }),
    });
    expect(await reviews.latest(study(2).studyUid)).toBeUndefined(); // viewed, never reviewed
    // Redis loses it all again: the mark goes with it, and the next check rebuilds
    await redis.del(WORKLIST_MARK, `study:${study(1).studyUid}`, `study:${study(2).studyUid}`, `study:${study(4).studyUid}`, 'worklist');
    expect(await rebuild.ifLost()).toBe(3);
    expect((await worklist.list()).map((item) => item.studyInstanceUid).sort()).toEqual([study(1), study(2), study(4)].map((s) => s.studyUid).sort());
  });
});
