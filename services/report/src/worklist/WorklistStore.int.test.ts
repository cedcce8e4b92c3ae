import { randomUUID } from 'node:crypto';
import { createRedis, type Redis } from '@lungflow/redis';
import type { WorklistEntry } from './WorklistEntry';
import { WorklistStore } from './WorklistStore';

// Real Redis from deploy/local (npm run stack:up); a random key prefix per run keeps runs apart.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const STUDY = '1.2.826.0.1.3680043.8.498.16008';

function entry(studyVersion: number): Omit<WorklistEntry, 'listedAt'> {
  const stored = { studyInstanceUid: STUDY, seriesInstanceUid: `1.2.3.${studyVersion}`, sopInstanceUid: `1.2.3.${studyVersion}.1`, retrieveUrl: 'http://p/x' };
  return {
    studyInstanceUid: STUDY,
    studyVersion,
    modality: 'DX',
    decision: { className: 'covid19', threshold: 0.5, positive: studyVersion === 2 },
    probability: studyVersion === 2 ? 0.9 : 0.1,
    probabilities: { covid19: studyVersion === 2 ? 0.9 : 0.1 },
    model: { id: 'cxr', version: '1', sha256: 'a'.repeat(64) },
    source: { seriesInstanceUid: '1.2.3', sopInstanceUid: '1.2.3.4', frame: 1 },
    sr: stored,
    sc: stored,
    analysedImages: studyVersion,
    reportedAt: '2026-12-02T16:00:00.000Z',
    inferredAt: '2026-12-02T16:00:00.000Z',
  } as Omit<WorklistEntry, 'listedAt'>;
}

describe('WorklistStore.upsert (real Redis)', () => {
  let redis: Redis;
  const prefix = `test:worklist:${randomUUID()}:`;
  beforeAll(() => {
    redis = createRedis(REDIS_URL, { keyPrefix: prefix });
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys.map((key) => key.slice(prefix.length)));
    await redis.quit();
  });

  it('never lets a late v1 overwrite v2 (issue 16 item 8), and a redelivered v2 still updates', async () => {
    const store = new WorklistStore(redis, `${prefix}changes`);
    await store.upsert(entry(2), new Date('2026-12-02T16:00:00Z'));
    const late = await store.upsert(entry(1), new Date('2026-12-02T16:01:00Z'));
    expect(late.studyVersion).toBe(2);
    expect((await store.get(STUDY))?.studyVersion).toBe(2);
    expect((await store.list()).map((item) => item.studyVersion)).toEqual([2]);
    await store.upsert({ ...entry(2), reportedAt: '2026-12-02T16:02:00.000Z' }, new Date('2026-12-02T16:02:00Z'));
    expect((await store.get(STUDY))?.reportedAt).toBe('2026-12-02T16:02:00.000Z');
  });
});
