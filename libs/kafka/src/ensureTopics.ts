import type { Kafka } from 'kafkajs';
import { MAX_MESSAGE_BYTES, TOPICS } from '@lungflow/contracts';
import type { TopicSpec } from '@lungflow/contracts';
import { kafkaError } from './kafkaError';

/**
 * Creates the topics of TOPICS (or the given specs) that do not exist yet, with their partitions, retention and
 * `max.message.bytes` (MAX_MESSAGE_BYTES: Kafka's 1 MB default refused big studies). Existing topics are left
 * alone: partition counts only grow by an operator's decision, never at startup, and a topic made by someone else
 * keeps its limit (libs/kafka/README.md says how to raise it).
 */
export async function ensureTopics(kafka: Kafka, specs: readonly TopicSpec[] = Object.values(TOPICS), replicationFactor = 1): Promise<string[]> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((spec) => !existing.has(spec.name));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((spec) => ({
          topic: spec.name,
          numPartitions: spec.partitions,
          replicationFactor,
          configEntries: [
            { name: 'retention.ms', value: String(spec.retentionMs) },
            { name: 'max.message.bytes', value: String(spec.maxMessageBytes ?? MAX_MESSAGE_BYTES) },
          ],
        })),
      });
    }
    return missing.map((spec) => spec.name);
  } catch (error) {
    throw kafkaError('topic creation', error);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
