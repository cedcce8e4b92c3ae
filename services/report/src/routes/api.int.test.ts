import { randomUUID } from 'node:crypto';
import { createRedis, type Redis } from '@lungflow/redis';
import { stackSettings } from '../../../../test/helpers/stackSettings';
import { build, type ReportService } from '../app';
import { loadReportConfig } from '../config';
import { ModelCatalog } from '../ModelCatalog';
import type { WorklistEntry } from '../worklist/WorklistEntry';

/** The worklist API on real Redis (two replicas sharing one prefix), with bearer authentication on. */
const TOKEN = 'test-token-' + randomUUID();
const stack = stackSettings();
const prefix = `lungflow:test:report:${randomUUID()}:`;
const auth = { authorization: `Bearer ${TOKEN}` };

const catalog = ModelCatalog.fromCards([
  {
    id: 'cxr-v1',
    version: '1.0.0',
    task: 'cxr',
    intendedUse: 'Worklist triage aid.',
    limitations: ['Frontal views only.'],
    classes: [
      { name: 'covid19', display: 'COVID-19', code: { value: '1', scheme: 'SCT', meaning: 'x' } },
      { name: 'no_finding', display: 'No finding', code: { value: '2', scheme: 'SCT', meaning: 'y' } },
    ],
  },
]);

let uidCounter = 0;
function entry(modality: string, positive: boolean, probability: number): Omit<WorklistEntry, 'listedAt'> {
  uidCounter += 1;
  const study = `1.2.826.0.1.3680043.10.${Date.now()}.${uidCounter}`;
  const object = (n: number) => ({ studyInstanceUid: study, seriesInstanceUid: `${study}.${n}`, sopInstanceUid: `${study}.${n}.1`, sopClassUid: '1.2.840.10008.5.1.4.1.1.7', wadoRsUrl: `http://pacs/dicom-web/studies/${study}` });
  return {
    studyInstanceUid: study,
    studyVersion: 1,
    modality,
    decision: { className: 'covid19', threshold: 0.5, positive },
    probability,
    probabilities: { covid19: probability, no_finding: 1 - probability },
    model: { id: 'cxr-v1', version: '1.0.0', sha256: 'a'.repeat(64) },
    source: { seriesInstanceUid: `${study}.1`, sopInstanceUid: `${study}.1.1`, frame: 1 },
    sr: object(2),
    sc: object(3),
    analysedImages: 1,
    reportedAt: new Date().toISOString(),
    inferredAt: new Date().toISOString(),
  };
}

describe('worklist API on real Redis', () => {
  let redis: Redis;
  let redisB: Redis;
  let replicaA: ReportService;
  let replicaB: ReportService;
  const config = loadReportConfig({ REDIS_URL: stack.redisUrl, KAFKA_BROKERS: stack.kafkaBrokers.join(','), DICOMWEB_URL: stack.dicomwebUrl, REPORT_API_TOKEN: TOKEN, REPORT_REDIS_PREFIX: prefix, LOG_LEVEL: 'silent' });

  beforeAll(async () => {
    redis = createRedis(stack.redisUrl, { keyPrefix: prefix });
    replicaA = await build(config, { consume: false, catalog, redis });
    redisB = createRedis(stack.redisUrl, { keyPrefix: prefix });
    replicaB = await build(config, { consume: false, catalog, redis: redisB });
    await replicaA.start();
    await replicaB.start();
  });

  afterAll(async () => {
    await replicaA.stop();
    await replicaB.stop();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys.map((k) => k.slice(prefix.length)));
    await redis.quit();
    await redisB.quit();
  });

  it('refuses requests without the bearer token, accepts the header, and refuses the token in the URL', async () => {
    expect((await replicaA.app.inject({ url: '/api/v1/worklist' })).statusCode).toBe(401);
    expect((await replicaA.app.inject({ url: '/api/v1/worklist', headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(401);
    expect((await replicaA.app.inject({ url: '/api/v1/worklist', headers: auth })).statusCode).toBe(200);
    // Logs, proxies and browser history keep URLs: the right token there is refused too (REPORT_TOKEN_IN_URL is off).
    const inUrl = await replicaA.app.inject({ url: `/api/v1/worklist?access_token=${TOKEN}` });
    expect(inUrl.statusCode).toBe(401);
    expect(inUrl.json()).toMatchObject({ message: expect.stringContaining('Authorization: Bearer') });
    // Health stays open for probes.
    expect((await replicaA.app.inject({ url: '/healthz' })).statusCode).toBe(200);
  });

  it('trades the token once for a session cookie that every replica accepts, scoped and guarded', async () => {
    const issued = await replicaA.app.inject({ method: 'POST', url: '/api/v1/session', headers: auth });
    expect(issued.statusCode).toBe(204);
    const setCookie = String(issued.headers['set-cookie']);
    expect(setCookie).toMatch(/^lungflow_session=v1\.[^;]+; Max-Age=43200; HttpOnly; SameSite=Strict$/);
    expect(setCookie).not.toContain(TOKEN);
    // Behind a TLS-terminating ingress the cookie is Secure.
    const overTls = await replicaA.app.inject({ method: 'POST', url: '/api/v1/session', headers: { ...auth, 'x-forwarded-proto': 'https' } });
    expect(String(overTls.headers['set-cookie'])).toMatch(/; Secure$/);
    const cookie = { cookie: setCookie.split(';')[0]! };

    // Replica B never saw the exchange: the cookie is checked by its MAC, not looked up.
    expect((await replicaB.app.inject({ url: '/api/v1/worklist', headers: cookie })).statusCode).toBe(200);
    const tampered = `${cookie.cookie.slice(0, -1)}${cookie.cookie.endsWith('A') ? 'B' : 'A'}`;
    expect((await replicaB.app.inject({ url: '/api/v1/worklist', headers: { cookie: tampered } })).statusCode).toBe(401);
    // A change with the cookie alone could come from a forged cross-site form: it needs the page's header too (then
    // it passes authentication and meets the route: 404 for a study not on the list, which keeps the list as it is).
    expect((await replicaB.app.inject({ method: 'PUT', url: '/api/v1/studies/1.2.3/read', headers: cookie })).statusCode).toBe(403);
    expect((await replicaB.app.inject({ method: 'PUT', url: '/api/v1/studies/1.2.3/read', headers: { ...cookie, 'x-requested-with': 'lungflow' } })).statusCode).toBe(404);
    // Only the Authorization header mints a session (a cookie cannot renew itself for ever).
    expect((await replicaB.app.inject({ method: 'POST', url: '/api/v1/session', headers: { ...cookie, 'x-requested-with': 'lungflow' } })).statusCode).toBe(400);
    const ended = await replicaB.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: { ...cookie, 'x-requested-with': 'lungflow' } });
    expect(ended.statusCode).toBe(204);
    expect(String(ended.headers['set-cookie'])).toMatch(/^lungflow_session=; Max-Age=0; HttpOnly; SameSite=Strict/);
  });

  it('lists in priority order on every replica, filters, and keeps a study’s first listing time', async () => {
    const now = new Date();
    const low = await replicaA.worklist.upsert(entry('CR', false, 0.2), now);
    const high = await replicaA.worklist.upsert(entry('CT', true, 0.9), now);
    const mid = await replicaA.worklist.upsert(entry('DX', true, 0.6), now);
    const list = async (service: ReportService, query = '') => service.app.inject({ url: `/api/v1/worklist${query}`, headers: auth }).then((r) => r.json() as { items: Array<{ studyInstanceUid: string; priority: number; read: boolean }> });
    const fromB = await list(replicaB);
    expect(fromB.items.map((i) => i.studyInstanceUid)).toEqual([high, mid, low].map((e) => e.studyInstanceUid));
    expect(fromB.items[0]?.priority).toBeGreaterThanOrEqual(190);
    expect((await list(replicaA, '?modality=CT')).items.map((i) => i.studyInstanceUid)).toEqual([high.studyInstanceUid]);
    expect((await list(replicaA, '?decision=negative')).items.map((i) => i.studyInstanceUid)).toEqual([low.studyInstanceUid]);
    expect((await replicaA.app.inject({ url: '/api/v1/worklist?modality=MR', headers: auth })).statusCode).toBe(400);

    const again = await replicaB.worklist.upsert({ ...entry('CR', false, 0.2), studyInstanceUid: low.studyInstanceUid }, new Date(now.getTime() + 3_600_000));
    expect(again.listedAt).toBe(low.listedAt);

    const read = await replicaA.app.inject({ method: 'PUT', url: `/api/v1/studies/${mid.studyInstanceUid}/read`, headers: auth });
    expect(read.json()).toEqual({ studyInstanceUid: mid.studyInstanceUid, read: true });
    expect((await list(replicaB, '?unread=true')).items.map((i) => i.studyInstanceUid)).toEqual([high.studyInstanceUid, low.studyInstanceUid]);
    await replicaB.app.inject({ method: 'DELETE', url: `/api/v1/studies/${mid.studyInstanceUid}/read`, headers: auth });
    expect((await list(replicaA, '?unread=true')).items).toHaveLength(3);
    expect((await replicaA.app.inject({ method: 'PUT', url: '/api/v1/studies/1.2.3/read', headers: auth })).statusCode).toBe(404);
  });

  it("returns one study's result with its SR and SC links and the model card's limitations", async () => {
    const e = await replicaA.worklist.upsert(entry('DX', true, 0.7), new Date());
    const response = await replicaB.app.inject({ url: `/api/v1/studies/${e.studyInstanceUid}`, headers: auth });
    expect(response.statusCode).toBe(200);
    const body = response.json() as { item: WorklistEntry; modelCard: { limitations: string[]; classes: unknown[] } };
    expect(body.item.sr.wadoRsUrl).toBe(e.sr.wadoRsUrl);
    expect(body.item.probabilities).toEqual(e.probabilities);
    expect(body.modelCard.limitations).toEqual(['Frontal views only.']);
    expect((await replicaB.app.inject({ url: '/api/v1/studies/1.2.3', headers: auth })).statusCode).toBe(404);
    expect((await replicaB.app.inject({ url: '/api/v1/studies/not-a-uid', headers: auth })).statusCode).toBe(400);
  });

  it('documents the API in OpenAPI with bearer security', async () => {
    const doc = (await replicaA.app.inject({ url: '/api/v1/openapi.json' })).json() as { openapi: string; paths: Record<string, unknown>; security: unknown[]; components: { securitySchemes: Record<string, unknown> } };
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/worklist', '/api/v1/studies/{studyInstanceUid}', '/api/v1/studies/{studyInstanceUid}/read', '/api/v1/events']));
    expect(doc.components.securitySchemes.bearer).toEqual({ type: 'http', scheme: 'bearer' });
    expect(doc.security).toEqual([{ bearer: [] }]);
  });

  it("streams a change made through one replica to the other replica's Server-Sent Events", async () => {
    const address = await replicaB.app.listen({ host: '127.0.0.1', port: 0 });
    const controller = new AbortController();
    // What the page's EventSource sends: the session cookie replica A issued, no token in the URL.
    const issued = await replicaA.app.inject({ method: 'POST', url: '/api/v1/session', headers: auth });
    const cookie = String(issued.headers['set-cookie']).split(';')[0]!;
    const response = await fetch(`${address}/api/v1/events`, { signal: controller.signal, headers: { cookie } });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    const e = entry('CR', true, 0.8);
    // Give the stream a moment to register before the change, then read until it arrives.
    setTimeout(() => void replicaA.worklist.upsert(e, new Date()), 300);
    let text = '';
    const deadline = Date.now() + 10_000;
    while (!text.includes(e.studyInstanceUid) && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString('utf8');
    }
    controller.abort();
    expect(text).toContain(`event: change\ndata: {"type":"listed","studyInstanceUid":"${e.studyInstanceUid}"}`);
  });
});
