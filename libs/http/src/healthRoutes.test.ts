import Fastify from 'fastify';
import { Metrics, healthRoutes } from './index';

describe('healthRoutes', () => {
  async function build(readiness: Parameters<typeof healthRoutes>[1]['readiness'], liveness?: Parameters<typeof healthRoutes>[1]['liveness']) {
    const metrics = new Metrics('test', { defaultMetrics: false });
    metrics.counter('studies_seen_total', 'Studies seen').inc(3);
    const app = Fastify();
    await app.register(healthRoutes, { metrics, readiness, ...(liveness ? { liveness } : {}), checkTimeoutMs: 50 });
    return app;
  }

  it('is live and ready when every check passes, and serves Prometheus metrics', async () => {
    const app = await build({ kafka: async () => true });
    expect((await app.inject('/healthz')).statusCode).toBe(200);
    const ready = await app.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ready', checks: { kafka: { ok: true } } });
    const metrics = await app.inject('/metrics');
    expect(metrics.body).toContain('lungflow_studies_seen_total{service="test"} 3');
  });

  it('is not ready, naming the failing dependency, when a check fails, throws or hangs', async () => {
    const app = await build({
      kafka: async () => true,
      redis: async () => false,
      pacs: async () => { throw new Error('ECONNREFUSED 127.0.0.1:8042'); },
      slow: () => new Promise<boolean>(() => undefined),
    });
    const ready = await app.inject('/readyz');
    expect(ready.statusCode).toBe(503);
    expect(ready.json().checks).toEqual({
      kafka: { ok: true },
      redis: { ok: false },
      pacs: { ok: false, error: 'ECONNREFUSED 127.0.0.1:8042' },
      slow: { ok: false, error: 'no answer within 50 ms' },
    });
  });

  it('fails liveness (503) once a liveness check fails, e.g. a consumer that gave up rejoining (issue 16)', async () => {
    let alive = true;
    const app = await build({ kafka: async () => true }, { consumer: async () => alive });
    expect((await app.inject('/healthz')).statusCode).toBe(200);
    alive = false;
    const health = await app.inject('/healthz');
    expect(health.statusCode).toBe(503);
    expect(health.json()).toEqual({ status: 'failed', service: 'test', checks: { consumer: { ok: false } } });
  });
});
