/**
 * Every Kafka topic of LungFlow, in one place. The Kafka admin (`ensureTopics` in @lungflow/kafka) creates topics
 * from this table and the Helm chart mirrors it; libs/contracts/README.md explains each row.
 *
 * Versioning: the version is part of the topic name. A backward-compatible change (a new optional field) keeps the
 * topic; a breaking change gets a new contract folder, a new `schemaVersion` literal and a new `.vN` topic, and
 * producers write both until every consumer has moved.
 */
export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  /** Broker-side retention (`retention.ms`). */
  readonly retentionMs: number;
  /** What the message key is; every study-scoped topic is keyed by StudyInstanceUID. */
  readonly key: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export const TOPICS = {
  studyReceived: { name: 'lungflow.study.received.v1', partitions: 6, retentionMs: 7 * DAY_MS, key: 'StudyInstanceUID' },
  inferenceCompleted: { name: 'lungflow.inference.completed.v1', partitions: 6, retentionMs: 7 * DAY_MS, key: 'StudyInstanceUID' },
  reportStored: { name: 'lungflow.report.stored.v1', partitions: 6, retentionMs: 7 * DAY_MS, key: 'StudyInstanceUID' },
  reportStoredV2: { name: 'lungflow.report.stored.v2', partitions: 6, retentionMs: 7 * DAY_MS, key: 'StudyInstanceUID' },
  deadLetter: { name: 'lungflow.deadletter.v1', partitions: 1, retentionMs: 30 * DAY_MS, key: 'original topic/partition/offset' },
  /** Who viewed or reviewed which study; kept a year (hospital audit trails outlive results). */
  audit: { name: 'lungflow.audit.v1', partitions: 3, retentionMs: 365 * DAY_MS, key: 'StudyInstanceUID' },
} as const satisfies Record<string, TopicSpec>;

export type TopicId = keyof typeof TOPICS;
export type TopicName = (typeof TOPICS)[TopicId]['name'];
