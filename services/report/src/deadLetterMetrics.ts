import type { Kafka } from 'kafkajs';
import type { Metrics } from '@lungflow/http';
import { DeadLetterTopic } from '@lungflow/kafka';
import type { Logger } from '@lungflow/logging';

/**
 * The dead-letter backlog as gauges, so an operator is alerted when messages wait there (deploy/k8s/README.md has
 * the suggested alert). Report serves them because it is the last stage; every replica reports the same figures
 * (use max() in queries). Refreshed every `intervalMs`, not per scrape: finding the oldest pending dead letter
 * reads the topic.
 */
export function watchDeadLetters(kafka: Kafka, metrics: Metrics, logger: Logger, { intervalMs = 60_000, topic }: { intervalMs?: number; topic?: string } = {}): { stop(): void } {
  const deadLetters = topic ? new DeadLetterTopic(kafka, topic) : new DeadLetterTopic(kafka);
  const retained = metrics.gauge('deadletter_retained', 'Messages the dead-letter topic still retains');
  const pending = metrics.gauge('deadletter_pending', 'Dead letters after the reviewed mark (lungflow deadletter ack)');
  const oldestAge = metrics.gauge('deadletter_oldest_pending_age_seconds', 'Age of the oldest pending dead letter (0 when none)');
  let running = false;
  const refresh = async () => {
    if (running) return;
    running = true;
    try {
      const backlog = await deadLetters.backlog();
      retained.set(backlog.retained);
      pending.set(backlog.pending);
      oldestAge.set(backlog.oldestPendingMs === null ? 0 : Math.max(0, (Date.now() - backlog.oldestPendingMs) / 1000));
    } catch (error) {
      logger.warn({ err: error }, 'could not read the dead-letter backlog for its metrics (will try again)');
    } finally {
      running = false;
    }
  };
  void refresh();
  const timer = setInterval(() => void refresh(), intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
