import type { Metrics } from '@lungflow/http';
import type { ReviewSummary } from './ReviewStore';

/**
 * What a hospital watches to see drift before it hurts: model-vs-reviewer agreement per model class, time from
 * result to review, and (at scrape time, from the worklist) the reviewed fraction and positive rate per modality.
 */
export function reviewMetrics(metrics: Metrics, snapshot: () => Promise<{ listed: Array<{ modality: string; positive: boolean; reviewed: boolean }> }>) {
  const agreement = metrics.counter('report_review_agreement_total', 'Saved reviews by the model decision class and whether the reviewer agreed', ['model_class', 'label', 'agrees']);
  const resultToReview = metrics.histogram('report_result_to_review_seconds', 'From the result being stored to its first review', [], [60, 300, 900, 3600, 4 * 3600, 12 * 3600, 86_400, 3 * 86_400]);
  const reviewedFraction = metrics.gauge('report_reviewed_fraction', 'Share of worklist studies with a saved review');
  const positiveRate = metrics.gauge('report_positive_rate', 'Share of worklist studies the model called positive, by modality', ['modality']);
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
    },
  };
}
