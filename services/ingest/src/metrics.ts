import { Metrics } from '@lungflow/http';

/** Ingest's Prometheus metrics (prefixed `lungflow_`, labelled service="ingest"). */
export function createIngestMetrics(metrics: Metrics = new Metrics('ingest')) {
  return {
    metrics,
    seen: metrics.counter('ingest_studies_seen_total', 'Studies ingest learned of (first touch by poll or push)'),
    published: metrics.counter('ingest_studies_published_total', 'study.received events durably written (one per study version)'),
    seriesFiltered: metrics.counter('ingest_series_filtered_total', 'Series left out, by reason', ['reason'] as const),
    studiesFiltered: metrics.counter('ingest_studies_filtered_total', 'Study versions with no in-scope series (no event)'),
    errors: metrics.counter('ingest_errors_total', 'Failures by stage (poll, settle, stow) and error code', ['stage', 'code'] as const),
    pollLag: metrics.gauge('ingest_poll_lag_seconds', 'Seconds since the last successful poll of the PACS feed', ['poller'] as const),
    pending: metrics.gauge('ingest_pending_studies', 'Studies waiting for their quiet period or a retry'),
  };
}

export type IngestMetrics = ReturnType<typeof createIngestMetrics>;
