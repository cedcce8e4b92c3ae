import { z } from 'zod';
import { dicomUid, isoTimestamp } from '../common';

export const AUDIT_EVENT_SCHEMA_VERSION = 1 as const;

/**
 * `audit` v1: who did what to which study, when (IHE ATNA's questions, as a Kafka event). Identifiers only: the
 * actor's login name and UIDs, never patient identity, so the topic can be kept long and read by security staff.
 */
export const auditEventValue = z
  .object({
    schemaVersion: z.literal(AUDIT_EVENT_SCHEMA_VERSION),
    /** Unique per event (a UUID), so a consumer can drop a redelivered duplicate. */
    eventId: z.uuid(),
    at: isoTimestamp,
    /** `study.viewed`: a user opened a study's result; `review.saved`: a reviewer stored a review (SR + SEG). */
    action: z.enum(['study.viewed', 'review.saved']),
    actor: z
      .object({
        /** Login name from the user list, the authenticating proxy, or `api-token` / `anonymous`. */
        username: z.string().min(1).max(256),
        method: z.enum(['proxy', 'local', 'token', 'none']),
        roles: z.array(z.enum(['reader', 'reviewer', 'admin'])),
        /** The client's address as the report service saw it (the proxy's, behind one). */
        address: z.string().max(64).optional(),
      })
      .strict(),
    studyInstanceUid: dicomUid,
    /** Objects written (review.saved: the SR and SEG) or shown (the model's SR). */
    sopInstanceUids: z.array(dicomUid).default([]),
    /** The review revision a save created. */
    revision: z.number().int().positive().optional(),
    outcome: z.enum(['success', 'failure']),
  })
  .strict();

export type AuditEvent = z.infer<typeof auditEventValue>;
