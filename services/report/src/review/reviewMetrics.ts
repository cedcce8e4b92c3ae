import type { Metrics } from '@lungflow/http';
import type { ReviewSummary } from './ReviewStore';

/**
 * What a hospital watches to see drift before it hurts: model-vs-reviewer agreement per model class, time from
 * result to review, and (at scrape time, from the worklist) the reviewed fraction and positive rate per modality and per
 * source device (a new detector or changed processing is the usual cause of drift, and it shows per device first).
 */
export interface ListedStudy {
  modality: string;
  positive: boolean;
  reviewed: boolean;
  sourceDevice?: string;
}

/** Devices beyond this many (the most frequent kept) are counted as `other`, so a label cannot grow without bound. */
export const MAX_DEVICE_LABELS = 50;

export function reviewMetrics(metrics: Metrics, snapshot: () => Promise<{ listed: ListedStudy[] }>) {
  const agreement = metrics.counter('report_review_agreement_total', 'Saved reviews by the model decision class and whether the reviewer agreed', ['model_class', 'label', 'agrees']);
  const resultToReview = metrics.histogram('report_result_to_review_seconds', 'From the result being stored to its first review', [], [60, 300, 900, 3600, 4 * 3600, 12 * 3600, 86_400, 3 * 86_400]);
  const reviewedFraction = metrics.gauge('report_reviewed_fraction', 'Share of worklist studies with a saved review');
  const positiveRate = metrics.gauge('report_positive_rate', 'Share of worklist studies the model called positive, by modality', ['modality']);
  const positiveRateByDevice = metrics.gauge('report_positive_rate_by_device', 'Share of worklist studies the model called positive, by acquiring device (Manufacturer and Model Name; "unknown" when the image names none)', ['device', 'modality']);
  return {
    saved(summary: ReviewSummary, reportedAt: string | undefined): void {
      agreement.labels(summary.modelClass, summary.label, String(summary.agreesWithModel)).inc();
      if (summary.revision === 1 && reportedAt) resultToReview.observe(Math.max(0, (Date.parse(summary.savedAt) - Date.parse(reportedAt)) / 1000));
    },
    /** Called before each scrape, so the gauges reflect the Redis worklist all replicas share. */
    async refresh(): Promise<void> {
      const { listed } = await snapshot();
      reviewedFraction.set(listed.length ? listed.filter((s) => s.reviewed).length / listed.length : 0);
      const byModality = new Map<string, { n: number; positive: number }>();
      for (const s of listed) {
        const m = byModality.get(s.modality) ?? { n: 0, positive: 0 };
        m.n += 1;
        if (s.positive) m.positive += 1;
        byModality.set(s.modality, m);
      }
      for (const [modality, m] of byModality) positiveRate.labels(modality).set(m.positive / m.n);
      positiveRateByDevice.reset(); // a device that left the worklist must not keep its last value
      for (const [device, modality, m] of positiveRatesByDevice(listed)) positiveRateByDevice.labels(device, modality).set(m.positive / m.n);
    },
  };
}

/** [device, modality, counts] per device and modality, the MAX_DEVICE_LABELS most frequent devices by name, the rest as `other`. */
export function positiveRatesByDevice(listed: ListedStudy[]): Array<[string, string, { n: number; positive: number }]> {
  const frequency = new Map<string, number>();
  for (const s of listed) frequency.set(s.sourceDevice ?? 'unknown', (frequency.get(s.sourceDevice ?? 'unknown') ?? 0) + 1);
  const kept = new Set([...frequency].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, MAX_DEVICE_LABELS).map(([device]) => device));
  const rates = new Map<string, { device: string; modality: string; n: number; positive: number }>();
  for (const s of listed) {
    const named = s.sourceDevice ?? 'unknown';
    const device = kept.has(named) ? named : 'other';
    const key = `${device}\u0000${s.modality}`;
    const r = rates.get(key) ?? { device, modality: s.modality, n: 0, positive: 0 };
    r.n += 1;
    if (s.positive) r.positive += 1;
    rates.set(key, r);
  }
  return [...rates.values()].map((r) => [r.device, r.modality, { n: r.n, positive: r.positive }]);
}
