import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One Prometheus registry per service (prom-client: the standard Node.js client). Metric names are prefixed
 * `lungflow_` and carry the service as a default label, so one dashboard can show all three services.
 */
export class Metrics {
  readonly registry = new Registry();

  constructor(readonly service: string, { defaultMetrics = true }: { defaultMetrics?: boolean } = {}) {
    this.registry.setDefaultLabels({ service });
    if (defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'lungflow_' });
  }

  counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter({ name: `lungflow_${name}`, help, labelNames, registers: [this.registry] });
  }

  gauge<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
    return new Gauge({ name: `lungflow_${name}`, help, labelNames, registers: [this.registry] });
  }

  histogram<L extends string>(name: string, help: string, labelNames: readonly L[] = [], buckets?: number[]): Histogram<L> {
    return new Histogram({ name: `lungflow_${name}`, help, labelNames, registers: [this.registry], ...(buckets ? { buckets } : {}) });
  }
}
