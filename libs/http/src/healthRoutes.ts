import type { FastifyInstance } from 'fastify';
import type { Metrics } from './metrics';

/** A named check of one dependency (Kafka, Redis, PACS). Resolves to true when usable; may throw to say why not. */
export type ReadinessCheck = () => Promise<boolean>;

export interface HealthRoutesOptions {
  metrics: Metrics;
  readiness?: Record<string, ReadinessCheck>;
  /**
   * Checks that fail only when the process cannot recover by itself (a Kafka consumer that gave up rejoining):
   * `/healthz` answers 503 then, so the liveness probe restarts it. A dependency being down is readiness, not this.
   */
  liveness?: Record<string, ReadinessCheck>;
  /** Slower checks are reported as failed rather than holding the probe past the kubelet's timeout. */
  checkTimeoutMs?: number;
}

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<{ ok: boolean; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return { ok: await Promise.race([check(), timeout]) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `GET /healthz` (liveness: the process answers and no `liveness` check fails), `GET /readyz` (readiness: every dependency check passes; 503 with
 * the failing ones otherwise) and `GET /metrics` (Prometheus text format). Same paths in every service, so the Helm
 * chart and deploy/local probe them alike.
 */
export async function healthRoutes(app: FastifyInstance, options: HealthRoutesOptions): Promise<void> {
  const { metrics, readiness = {}, liveness = {}, checkTimeoutMs = 2_000 } = options;

  app.get('/healthz', async (_request, reply) => {
    const entries = await Promise.all(Object.entries(liveness).map(async ([name, check]) => [name, await runCheck(check, checkTimeoutMs)] as const));
    const failing = entries.filter(([, result]) => !result.ok);
    if (failing.length === 0) return { status: 'ok', service: metrics.service };
    return reply.code(503).send({ status: 'failed', service: metrics.service, checks: Object.fromEntries(failing) });
  });

  app.get('/readyz', async (_request, reply) => {
    const entries = await Promise.all(Object.entries(readiness).map(async ([name, check]) => [name, await runCheck(check, checkTimeoutMs)] as const));
    const checks = Object.fromEntries(entries);
    const ready = entries.every(([, result]) => result.ok);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', service: metrics.service, checks });
  });

  app.get('/metrics', async (_request, reply) => {
    return reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}
