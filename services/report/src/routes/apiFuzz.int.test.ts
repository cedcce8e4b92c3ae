import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { createLogger } from '@lungflow/logging';
import { createRedis, type Redis } from '@lungflow/redis';
import { stackSettings } from '../../../../test/helpers/stackSettings';
import { build, type ReportService } from '../app';
import { loadReportConfig } from '../config';
import { ModelCatalog } from '../ModelCatalog';

/**
 * Issue 16, hostile input: the report API fuzzed from its own OpenAPI document with fast-check, on real Redis and the
 * real PACS. Every operation the document lists (except the never-ending SSE stream) gets generated path parameters,
 * query strings, bodies and credentials: well-formed, near-miss and hostile. What must hold: the service answers every
 * request, never with a 500 (an unhandled exception) nor another 5xx that does not say why, and the process survives
 * (the same app serves them all).
 */
const TOKEN = 'fuzz-token-' + randomUUID();
const stack = stackSettings();
const prefix = `lungflow:test:fuzz:${randomUUID()}:`;
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const RUNS_PER_OPERATION = Number(process.env.FUZZ_RUNS ?? 150);
const STREAMS = new Set(['/api/v1/events']);

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

interface Operation {
  method: string;
  path: string;
  query: string[];
  hasBody: boolean;
}

interface OpenApi {
  paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }>; requestBody?: unknown }>>;
}

function operationsOf(doc: OpenApi): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(() => !STREAMS.has(path))
      .map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
        hasBody: op.requestBody !== undefined,
      })),
  );
}

// Text a client should never send and a careless server chokes on: markup, traversal, encodings, control bytes, length.
const hostileText = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.constantFrom('../../etc/passwd', '<script>alert(1)</script>', '%00', '%', '%ZZ', '\u0000', '1.2.3\r\nX-Injected: 1', 'x'.repeat(5000), '1e309', '-1', '0', 'NaN', '[]', '{}', 'true'),
);

describe('report API fuzzed from its OpenAPI document', () => {
  let redis: Redis;
  let service: ReportService;
  let studyInstanceUid: string;
  const logLines: string[] = [];

  beforeAll(async () => {
    const config = loadReportConfig({ REDIS_URL: stack.redisUrl, KAFKA_BROKERS: stack.kafkaBrokers.join(','), DICOMWEB_URL: stack.dicomwebUrl, DICOMWEB_USERNAME: stack.username, DICOMWEB_PASSWORD: stack.password, REPORT_API_TOKEN: TOKEN, REPORT_REDIS_PREFIX: prefix, LOG_LEVEL: 'info' });
    redis = createRedis(stack.redisUrl, { keyPrefix: prefix });
    const logger = createLogger({ service: 'report-fuzz', level: 'info', destination: new Writable({ write: (chunk, _e, cb) => (logLines.push(String(chunk)), cb()) }) });
    service = await build(config, { consume: false, catalog, redis, logger });
    await service.start();
    // One study on the worklist whose objects are not in the PACS: routes that read the PACS meet a real 404 there.
    studyInstanceUid = `1.2.826.0.1.3680043.10.${Date.now()}.1`;
    const object = (n: number) => ({ studyInstanceUid, seriesInstanceUid: `${studyInstanceUid}.${n}`, sopInstanceUid: `${studyInstanceUid}.${n}.1`, sopClassUid: '1.2.840.10008.5.1.4.1.1.7', wadoRsUrl: `${stack.dicomwebUrl}/studies/${studyInstanceUid}` });
    await service.worklist.upsert(
      {
        studyInstanceUid,
        studyVersion: 1,
        modality: 'DX',
        decision: { className: 'covid19', threshold: 0.5, positive: true },
        probability: 0.9,
        probabilities: { covid19: 0.9, no_finding: 0.1 },
        model: { id: 'cxr-v1', version: '1.0.0', sha256: 'a'.repeat(64) },
        source: { seriesInstanceUid: `${studyInstanceUid}.1`, sopInstanceUid: `${studyInstanceUid}.1.1`, frame: 1 },
        sr: object(2),
        sc: object(3),
        analysedImages: 1,
        reportedAt: new Date().toISOString(),
        inferredAt: new Date().toISOString(),
      },
      new Date(),
    );
  });

  afterAll(async () => {
    await service?.stop();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys.map((k) => k.slice(prefix.length)));
    await redis.quit();
  });

  it('answers every generated request, never with a 500 nor a 5xx that does not say why', async () => {
    const doc = (await service.app.inject({ url: '/api/v1/openapi.json' })).json() as OpenApi;
    const operations = operationsOf(doc);
    expect(operations.length).toBeGreaterThanOrEqual(10); // the document lists what the service serves

    const statuses = new Map<number, number>();
    const unexplained: string[] = [];
    for (const operation of operations) {
      const pathParam = fc.oneof(fc.constant(studyInstanceUid), fc.constant(`${studyInstanceUid}.9`), hostileText);
      const queryValue = fc.option(fc.oneof(hostileText, fc.integer().map(String), fc.constantFrom('CR', 'DX', 'CT', 'positive', 'negative', '1', '100000')), { nil: undefined });
      const body = fc.oneof(
        fc.json(),
        fc.record({
          label: fc.oneof(fc.constantFrom('covid19', 'other_pneumonia', 'no_finding', 'indeterminate'), hostileText),
          agreesWithModel: fc.oneof(fc.boolean(), fc.anything()),
          lesionMask: fc.record({ rows: fc.oneof(fc.integer({ min: -5, max: 20 }), fc.constant(16384)), columns: fc.integer({ min: -5, max: 20 }), bits: fc.oneof(fc.base64String({ maxLength: 64 }), hostileText) }),
          severity: fc.option(fc.record({ scale: fc.oneof(fc.constantFrom('brixia', 'cohen-extent'), hostileText), value: fc.integer({ min: -3, max: 40 }) }), { nil: undefined }),
        }),
      );
      const request = fc.record({
        pathParam,
        query: fc.tuple(...operation.query.map(() => queryValue)),
        body,
        authorized: fc.boolean(),
        contentType: fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/related; boundary=x'),
      });
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          const url = operation.path.replace('{studyInstanceUid}', encodeURIComponent(r.pathParam));
          const query = operation.query.flatMap((name, i) => (r.query[i] === undefined ? [] : [`${name}=${encodeURIComponent(r.query[i] as string)}`])).join('&');
          const response = await service.app.inject({
            method: operation.method as 'GET',
            url: query ? `${url}?${query}` : url,
            headers: { ...(r.authorized ? { authorization: `Bearer ${TOKEN}` } : {}), ...(operation.hasBody ? { 'content-type': r.contentType } : {}) },
            ...(operation.hasBody ? { payload: r.contentType === 'application/json' ? JSON.stringify(r.body) : String(JSON.stringify(r.body)) } : {}),
          });
          statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
          if (response.statusCode >= 500) {
            // The reason is the error answer's message, or a readiness answer's failing checks.
            let reason = '';
            try {
              const answer = response.json() as { message?: string; checks?: Record<string, { ok: boolean; error?: string }> };
              reason = answer.message ?? Object.values(answer.checks ?? {}).find((c) => !c.ok)?.error ?? '';
            } catch {
              reason = '';
            }
            // 500 is an unhandled exception whatever its message says (fastify puts the error's text there); only a
            // dependency's trouble (502/503/504) may answer 5xx, and then it must say which.
            if (!reason || response.statusCode === 500) unexplained.push(`${operation.method} ${url}: ${response.statusCode} ${response.body.slice(0, 200)}`);
          }
          return true;
        }),
        { seed: SEED, numRuns: RUNS_PER_OPERATION },
      );
    }
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    const serverErrors = [...statuses].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0);
    console.error(`report API fuzz: ${total} requests over ${operations.length} operations (seed ${SEED}); statuses ${JSON.stringify(Object.fromEntries(statuses))}; ${serverErrors} 5xx, ${unexplained.length} without a reason`);
    expect(unexplained).toEqual([]);
    // The fuzz reached the handlers, not only the authentication in front of them.
    expect([...statuses.keys()].some((s) => s === 200)).toBe(true);
    expect([...statuses.keys()].some((s) => s === 400)).toBe(true);
    expect([...statuses.keys()].some((s) => s === 401)).toBe(true);
    // A 5xx must also be in the service's log with its cause (the reason a person on call reads).
    for (const line of logLines.filter((l) => /"statusCode":5\d\d/.test(l))) expect(line).toMatch(/"err"|"reason"|"msg"/);
  }, 240_000);
});
