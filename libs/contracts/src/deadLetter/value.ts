import { z } from 'zod';
import { isoTimestamp } from '../common';

export const DEAD_LETTER_SCHEMA_VERSION = 1 as const;

/**
 * The dead-letter envelope: a message that a service gave up on, kept byte for byte (as UTF-8 text, or base64 when
 * it is not valid UTF-8) with why. An operator can fix the cause and replay `original` to `original.topic`.
 */
export const deadLetterValue = z
  .object({
    schemaVersion: z.literal(DEAD_LETTER_SCHEMA_VERSION),
    original: z
      .object({
        topic: z.string().min(1),
        partition: z.number().int().min(0),
        offset: z.string().regex(/^[0-9]+$/),
        encoding: z.enum(['utf8', 'base64']),
        key: z.string().nullable(),
        value: z.string().nullable(),
        headers: z.record(z.string(), z.string()).default({}),
        /**
         * Optional (issue 16 item 3): set when the envelope with the whole original was itself too large for the
         * dead-letter topic. `value` is then null (and `headers` may be left out); the original stays readable at
         * topic/partition/offset while retention keeps it, and these say which bytes it was.
         */
        truncated: z
          .object({
            valueBytes: z.number().int().min(0),
            valueSha256: z.string().regex(/^[0-9a-f]{64}$/),
            headersLeftOut: z.boolean().optional(),
          })
          .strict()
          .optional(),
      })
      .strict(),
    /** LungFlowError code (e.g. CONTRACT_INVALID, PACS_NOT_FOUND); UNEXPECTED for errors outside the tree. */
    errorCode: z.string().min(1),
    /** Human-readable reason; names objects by UID, never by patient identity. */
    reason: z.string().min(1).max(4_000),
    /** The service (consumer group) that gave up. */
    service: z.string().min(1),
    attempts: z.number().int().positive(),
    firstFailureAt: isoTimestamp,
    lastFailureAt: isoTimestamp,
  })
  .strict();

export type DeadLetter = z.infer<typeof deadLetterValue>;
