import { encodeMessage, studyReceived } from '@lungflow/contracts';
import type { StudyReceived } from '@lungflow/contracts';
import { LungFlowError } from '@lungflow/errors';
import { Metrics } from '@lungflow/http';
import { FakePacs, MemoryTrackerStore, fakeClassify, fakeToAttributes } from './__tests__/fakes';
import { createIngestMetrics } from './metrics';
import { StudyTracker } from './studyTracker';

const STUDY = '1.2.826.0.1.3680043.8.498.100';
const QUIET = 1_000;
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

function setup(extra: { radiographSettleMs?: number; looksInParallel?: number } = {}) {
  let clock = 1_000_000;
  const store = new MemoryTrackerStore();
  const pacs = new FakePacs();
  const events: StudyReceived[] = [];
  let kafkaDown = false;
  const metrics = createIngestMetrics(new Metrics('ingest-test', { defaultMetrics: false }));
  const tracker = new StudyTracker(
    {
      store,
      pacs,
      classify: fakeClassify,
      toAttributes: fakeToAttributes,
      publish: async (event) => {
        if (kafkaDown) throw new LungFlowError('KAFKA_UNAVAILABLE', 'no broker');
        encodeMessage(studyReceived, { studyInstanceUid: event.studyInstanceUid }, event); // what the producer checks
        events.push(event);
      },
      metrics,
      log: silent,
      now: () => clock,
    },
    { quietPeriodMs: QUIET, ctMinSlices: 3, pacsId: 'test-pacs', dicomWebUrl: 'http://pacs:8042/dicom-web', maxRetryDelayMs: 5_000, ...extra },
  );
  const advance = async (ms: number) => {
    clock += ms;
    return tracker.processDue();
  };
  return { store, pacs, events, tracker, metrics, advance, setKafkaDown: (down: boolean) => (kafkaDown = down) };
}

async function metricValue(metrics: ReturnType<typeof createIngestMetrics>, name: string, label?: string): Promise<number> {
  const text = await metrics.metrics.registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`lungflow_${name}{`) && (label === undefined || l.includes(label)));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('StudyTracker', () => {
  describe('single-image radiographs (radiographSettleMs)', () => {
    const SETTLE = 100;

    it('publishes a one-instance CR study after the settle time, without waiting the quiet period', async () => {
      const t = setup({ radiographSettleMs: SETTLE });
      t.pacs.add('1.2.1', '1.2.1.1', { Modality: 'CR', BodyPartExamined: 'CHEST' });
      await t.tracker.touch(STUDY, 'orthanc-changes');
      expect(await t.advance(SETTLE / 2)).toEqual([]);
      expect(await t.advance(SETTLE / 2)).toEqual(['published']);
      expect(t.events.map((e) => [e.studyVersion, e.instanceCount])).toEqual([[1, 1]]);
      // Orthanc's StableStudy later: nothing new, no second version.
      await t.tracker.touch(STUDY, 'orthanc-changes');
      expect(await t.advance(SETTLE)).toEqual(['unchanged']);
      expect(t.events).toHaveLength(1);
    });

    it('stays split-study safe: a second image arriving later gives version 2 with both, after the quiet period', async () => {
      const t = setup({ radiographSettleMs: SETTLE });
      t.pacs.add('1.2.1', '1.2.1.1', { Modality: 'DX', BodyPartExamined: 'CHEST' });
      await t.tracker.touch(STUDY, 'orthanc-changes');
      expect(await t.advance(SETTLE)).toEqual(['published']);
      t.pacs.add('1.2.2', '1.2.2.1', { Modality: 'DX', BodyPartExamined: 'CHEST' });
      await t.tracker.touch(STUDY, 'orthanc-changes');
      expect(await t.advance(SETTLE)).toEqual(['changing']); // two instances: the ordinary quiet-period rule
      expect(await t.advance(QUIET / 2)).toEqual([]);
      expect(await t.advance(QUIET / 2)).toEqual(['published']);
      expect(t.events.map((e) => [e.studyVersion, e.instanceCount])).toEqual([[1, 1], [2, 2]]);
    });

    it('makes CT, multi-image studies and radiographs announcing more images wait the quiet period', async () => {
      for (const [series, attrs] of [
        [['1.2.1.1'], { Modality: 'CT', BodyPartExamined: 'CHEST' }],
        [['1.2.1.1', '1.2.1.2'], { Modality: 'CR', BodyPartExamined: 'CHEST' }],
        [['1.2.1.1'], { Modality: 'CR', BodyPartExamined: 'CHEST', ImagesInAcquisition: '2' }],
      ] as const) {
        const t = setup({ radiographSettleMs: SETTLE });
        for (const sop of series) t.pacs.add('1.2.1', sop, { ...attrs });
        await t.tracker.touch(STUDY, 'orthanc-changes');
        expect(await t.advance(SETTLE)).toEqual(['changing']);
        expect(await t.advance(QUIET - 1)).toEqual([]);
        expect(await t.advance(1)).toEqual([series.length === 1 && attrs.Modality === 'CT' ? 'filtered' : 'published']);
      }
    });

    it('looks at several due studies at once and publishes each once', async () => {
      const t = setup({ radiographSettleMs: SETTLE, looksInParallel: 4 });
      const studies = Array.from({ length: 10 }, (_, i) => `${STUDY}.${i}`);
      for (const [i, uid] of studies.entries()) {
        t.pacs.add(`1.2.${i}`, `1.2.${i}.1`, { Modality: 'CR', BodyPartExamined: 'CHEST' }, uid);
        await t.tracker.touch(uid, 'orthanc-changes');
      }
      expect(await t.advance(SETTLE)).toEqual(Array(10).fill('published'));
      expect(t.events.map((e) => e.studyInstanceUid).sort()).toEqual([...studies].sort());
    });
  });

  it('publishes a study once its instance set has been quiet, once', async () => {
    const t = setup();
    t.pacs.add('1.2.1', '1.2.1.1', { Modality: 'CR', BodyPartExamined: 'CHEST' });
    await t.tracker.touch(STUDY, 'orthanc-changes');
    expect(await t.advance(QUIET / 2)).toEqual([]); // quiet period not over
    expect(await t.advance(QUIET)).toEqual(['changing']); // first look: nothing to compare with yet
    expect(await t.advance(QUIET)).toEqual(['published']);
    expect(t.events).toHaveLength(1);
    expect(t.events[0]).toMatchObject({ studyInstanceUid: STUDY, studyVersion: 1, modalities: ['CR'], instanceCount: 1, sourcePacsId: 'test-pacs', source: 'orthanc-changes' });
    expect(t.events[0].series[0].instances[0].wadoRsUrl).toBe(`http://pacs:8042/dicom-web/studies/${STUDY}/series/1.2.1/instances/1.2.1.1`);
    // A later touch with nothing new (Orthanc's StableStudy after we published) publishes nothing.
    await t.tracker.touch(STUDY, 'orthanc-changes');
    expect(await t.advance(QUIET)).toEqual(['unchanged']);
    expect(t.events).toHaveLength(1);
    expect(await metricValue(t.metrics, 'ingest_studies_seen_total')).toBe(1);
  });

  it('waits while instances keep arriving, and never publishes a half study', async () => {
    const t = setup();
    t.pacs.add('1.2.1', '1.2.1.1', { Modality: 'CT', BodyPartExamined: 'CHEST' });
    await t.tracker.touch(STUDY, 'stow');
    await t.advance(QUIET);
    t.pacs.add('1.2.1', '1.2.1.2', { Modality: 'CT', BodyPartExamined: 'CHEST' });
    expect(await t.advance(QUIET)).toEqual(['changing']);
    t.pacs.add('1.2.1', '1.2.1.3', { Modality: 'CT', BodyPartExamined: 'CHEST' });
    expect(await t.advance(QUIET)).toEqual(['changing']);
    expect(await t.advance(QUIET)).toEqual(['published']);
    expect(t.events.map((e) => e.instanceCount)).toEqual([3]);
    expect(t.events[0].series[0].kind).toBe('ct');
  });

  it('gives a late series a new version with the whole in-scope set, not a duplicate', async () => {
    const t = setup();
    t.pacs.add('1.2.1', '1.2.1.1', { Modality: 'DX', BodyPartExamined: 'CHEST' });
    await t.tracker.touch(STUDY, 'orthanc-changes');
    await t.advance(QUIET);
    await t.advance(QUIET);
    t.pacs.add('1.2.2', '1.2.2.1', { Modality: 'DX', BodyPartExamined: 'CHEST' });
    await t.tracker.touch(STUDY, 'orthanc-changes');
    await t.advance(QUIET);
    await t.advance(QUIET);
    expect(t.events.map((e) => [e.studyVersion, e.instanceCount])).toEqual([[1, 1], [2, 2]]);
    expect(t.events[1].contentHash).not.toBe(t.events[0].contentHash);
  });

  it('ignores our own SR landing in an analysed study, and filters head CT, thin CT and non-images with reasons', async () => {
    const t = setup();
    t.pacs.add('1.2.1', '1.2.1.1', { Modality: 'CR', BodyPartExamined: 'CHEST' });
    await t.tracker.touch(STUDY, 'orthanc-changes');
    await t.advance(QUIET);
    await t.advance(QUIET);
    t.pacs.add('1.2.9', '1.2.9.1', { Modality: 'SR', Manufacturer: 'LungFlow', SOPClassUID: '1.2.840.10008.5.1.4.1.1.88.33' });
    t.pacs.add('1.2.3', '1.2.3.1', { Modality: 'CT', BodyPartExamined: 'HEAD' });
    t.pacs.add('1.2.4', '1.2.4.1', { Modality: 'CT', BodyPartExamined: 'CHEST' }); // 1 slice < 3
    t.pacs.add('1.2.5', '1.2.5.1', { Modality: 'KO', SOPClassUID: '1.2.840.10008.5.1.4.1.1.88.59' });
    await t.tracker.touch(STUDY, 'orthanc-changes');
    expect(await t.advance(QUIET)).toEqual(['changing']);
    expect(await t.advance(QUIET)).toEqual(['unchanged']);
    expect(t.events).toHaveLength(1);
    expect(await metricValue(t.metrics, 'ingest_series_filtered_total', 'reason="lungflow-output"')).toBe(1);
    expect(await metricValue(t.metrics, 'ingest_series_filtered_total', 'reason="body-part"')).toBe(1);
    expect(await metricValue(t.metrics, 'ingest_series_filtered_total', 'reason="too-few-slices"')).toBe(1);
    expect(await metricValue(t.metrics, 'ingest_series_filtered_total', 'reason="modality"')).toBe(1);
  });

  it('publishes nothing for a study with no in-scope series, and counts it', async () => {
    const t = setup();
    t.pacs.add('1.2.9', '1.2.9.1', { Modality: 'OT', Manufacturer: 'LungFlow', SOPClassUID: '1.2.840.10008.5.1.4.1.1.7' });
    await t.tracker.touch(STUDY, 'orthanc-changes');
    await t.advance(QUIET);
    expect(await t.advance(QUIET)).toEqual(['filtered']);
    expect(t.events).toEqual([]);
    expect(await metricValue(t.metrics, 'ingest_studies_filtered_total')).toBe(1);
  });

  it('keeps the study pending while the PACS or Kafka is down, and publishes it once they return', async () => {
    const t = setup();
    t.pacs.add('1.2.1', '1.2.1.1', { Modality: 'CR' });
    await t.tracker.touch(STUDY, 'orthanc-changes');
    t.pacs.down = true;
    expect(await t.advance(QUIET)).toEqual(['retry']);
    t.pacs.down = false;
    await t.advance(5_000);
    t.setKafkaDown(true);
    expect(await t.advance(QUIET)).toEqual(['retry']);
    expect(t.store.queue.has(STUDY)).toBe(true); // not acknowledged: still pending in the store
    t.setKafkaDown(false);
    expect(await t.advance(5_000)).toEqual(['published']);
    expect(t.events).toHaveLength(1);
    expect(t.store.queue.has(STUDY)).toBe(false);
  });

  it('skips a study another replica holds, and never republishes a recorded (study, content) pair', async () => {
    const t = setup();
    t.pacs.add('1.2.1', '1.2.1.1', { Modality: 'CR' });
    await t.tracker.touch(STUDY, 'orthanc-changes');
    await t.store.lock(STUDY);
    expect(await t.advance(QUIET)).toEqual(['locked']);
    await t.store.unlock(STUDY);
    await t.advance(0);
    await t.advance(QUIET);
    expect(t.events).toHaveLength(1);
    // State lost (e.g. study hash expired) but the idempotency record is there: no duplicate.
    t.store.states.set(STUDY, {});
    await t.tracker.touch(STUDY, 'orthanc-changes');
    await t.advance(QUIET);
    expect(await t.advance(QUIET)).toEqual(['unchanged']);
    expect(t.events).toHaveLength(1);
  });

  it('drops a study after repeated non-retriable failures instead of blocking forever', async () => {
    const t = setup();
    t.pacs.add('1.2.1', '1.2.1.1', { Modality: 'CR' });
    t.pacs.retrieveInstanceMetadata = async () => {
      throw new TypeError('metadata without a Modality');
    };
    await t.tracker.touch(STUDY, 'orthanc-changes');
    await t.advance(QUIET);
    const outcomes = [];
    for (let i = 0; i < 6; i += 1) outcomes.push(...(await t.advance(QUIET * 10)));
    expect(outcomes).toEqual(['retry', 'retry', 'retry', 'retry', 'dropped']);
    expect(t.events).toEqual([]);
    expect(await metricValue(t.metrics, 'ingest_errors_total', 'code="UNEXPECTED"')).toBe(5);
  });

  it('forgets a study that was deleted from the PACS', async () => {
    const t = setup();
    await t.tracker.touch(STUDY, 'orthanc-changes');
    expect(await t.advance(QUIET)).toEqual(['gone']);
    expect(t.store.queue.size).toBe(0);
  });
});

describe('StudyTracker and hostile UIDs (issue 16)', () => {
  it('filters a study whose UID is not a DICOM UID at its first look, without retrying', async () => {
    const t = setup();
    const bad = '1.2.<script>alert(1)</script>';
    t.pacs.add('1.2.1', '1.2.1.1', { Modality: 'CR', BodyPartExamined: 'CHEST' });
    await t.tracker.touch(bad, 'orthanc-changes');
    expect(await t.advance(QUIET)).toEqual(['filtered']);
    expect(t.store.queue.size).toBe(0);
    expect(t.events).toEqual([]);
    expect(await metricValue(t.metrics, 'ingest_studies_filtered_total')).toBe(1);
  });

  it('filters a series with a broken series UID, leaves out instances with broken UIDs, and publishes the rest', async () => {
    const t = setup();
    t.pacs.add('1.2.3..4', '1.2.3.4.1', { Modality: 'CR', BodyPartExamined: 'CHEST' });
    t.pacs.add('1.2.5', '1.2.5.abc', { Modality: 'CR', BodyPartExamined: 'CHEST' });
    t.pacs.add('1.2.6', '1.2.6.1', { Modality: 'CR', BodyPartExamined: 'CHEST', SOPClassUID: '<b>1.2.840.10008.5.1.4.1.1.1</b>' });
    t.pacs.add('1.2.7', '1.2.7.1', { Modality: 'CR', BodyPartExamined: 'CHEST' });
    await t.tracker.touch(STUDY, 'orthanc-changes');
    await t.advance(QUIET);
    expect(await t.advance(QUIET)).toEqual(['published']); // once, not five failed looks and a drop
    expect(t.events.map((e) => e.series.map((s) => s.seriesInstanceUid))).toEqual([['1.2.7']]);
    expect(await metricValue(t.metrics, 'ingest_series_filtered_total', 'invalid-uid')).toBe(3);
  });
});
