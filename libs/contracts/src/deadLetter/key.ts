import { z } from 'zod';

/** Where the failed message sat; also the dead-letter partition key, so a re-run of one offset lands together. */
export const deadLetterKey = z
  .object({
    topic: z.string().min(1),
    partition: z.number().int().min(0),
    offset: z.string().regex(/^[0-9]+$/),
  })
  .strict();

export type DeadLetterKey = z.infer<typeof deadLetterKey>;
