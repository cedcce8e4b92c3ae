import { z } from 'zod';

/** A DICOM UID (PS3.5 §9.1): dot-separated digit groups, at most 64 characters, no leading zero in a group. */
export const dicomUid = z
  .string()
  .max(64)
  .regex(/^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/, 'not a DICOM UID');

/** Timestamps travel as ISO 8601 UTC strings so every consumer (and a human reading the topic) parses them alike. */
export const isoTimestamp = z.iso.datetime({ offset: true });

/** Correlates logs and events of one study's journey through ingest, inference and report. */
export const traceId = z.string().min(8).max(128);

/** An absolute http(s) URL (a WADO-RS location: where the pixels are, since pixels never travel on Kafka). */
export const httpUrl = z.url({ protocol: /^https?$/ });

/** Key of every study-scoped topic: the partition key is the StudyInstanceUID, so one study's events stay in order. */
export const studyKey = z.object({ studyInstanceUid: dicomUid }).strict();
export type StudyKey = z.infer<typeof studyKey>;
