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
  /** Topic `max.message.bytes`; MAX_MESSAGE_BYTES when absent (a test may ask for less). */
  readonly maxMessageBytes?: number;
}

/**
 * `max.message.bytes` of every topic LungFlow creates, and the consumers' per-partition fetch size (issue 16 item 3).
 * Kafka's default (1 MB) refused `study.received` above ~2,270 instances and `inference.completed` above ~1,190
 * slices, for good (MESSAGE_TOO_LARGE). Producers also compress (gzip in @lungflow/kafka's EventProducer), and
 * the broker checks the compressed batch: measured, a 3,000-instance study.received shrinks 13× and a 1,500-slice
 * inference.completed (CAM floats) 2.8×, so 8 MiB holds studies of tens of thousands of instances. A compact encoding (instances without their derivable WADO-RS URLs)
 * would be a breaking contract change for the same gain; a bigger limit would let one message hold a consumer's
 * fetch and memory for longer, and 8 MiB stays far under the broker's 100 MiB socket.request.max.bytes.
 */
export const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

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
