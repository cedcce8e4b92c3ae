import { z } from 'zod';
import { LungFlowError } from '@lungflow/errors';
import type { CommonSettings } from './settings';

const pacsId = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'a PACS id is 1-64 of A-Z a-z 0-9 . _ -');
const aeTitle = z.string().regex(/^[\x20-\x5b\x5d-\x7e]{1,16}$/, 'an AE title is 1-16 printable ASCII characters, no backslash');

/** One PACS LungFlow works with: where to read (DICOMweb) and how results go back (STOW-RS or C-STORE). */
export const pacsEntry = z
  .object({
    /** The `sourcePacsId` ingest puts in events for studies from this PACS (its INGEST_PACS_ID). */
    id: pacsId,
    dicomWebUrl: z.url(),
    username: z.string().optional(),
    password: z.string().optional(),
    bearerToken: z.string().optional(),
    /** How report writes SR + SC back: STOW-RS to dicomWebUrl, or C-STORE to `dimse`. */
    store: z.enum(['stow', 'dimse']).default('stow'),
    dimse: z.object({ host: z.string().min(1), port: z.number().int().min(1).max(65535), aeTitle }).strict().optional(),
  })
  .strict()
  .refine((entry) => entry.store !== 'dimse' || entry.dimse !== undefined, { message: 'store "dimse" needs a dimse {host, port, aeTitle}' });

export type PacsEntry = z.infer<typeof pacsEntry>;

/**
 * `LUNGFLOW_PACS`: a JSON array of PACS entries, e.g.
 * `[{"id":"ct-pacs","dicomWebUrl":"https://pacs-a/dicom-web"},{"id":"old-pacs","dicomWebUrl":"http://b/dicom-web","store":"dimse","dimse":{"host":"b","port":104,"aeTitle":"PACSB"}}]`.
 * Unset: one PACS, the one DICOMWEB_URL names, for every study (a single-PACS site needs nothing more).
 */
export const pacsSetting = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `not JSON: ${(error as Error).message}` });
      return z.NEVER;
    }
  })
  .pipe(z.array(pacsEntry).min(1))
  .refine((entries) => new Set(entries.map((e) => e.id)).size === entries.length, { message: 'PACS ids must be unique' })
  .optional();

/**
 * The configured PACS by id, each turned into what a service needs (a DICOMweb client, a reader, a writer) once.
 * With no LUNGFLOW_PACS, every id gets the DICOMWEB_URL one; with it, an id outside the set is an error that no
 * retry cures (the consumer dead-letters the event with the id in the reason).
 */
export class PacsDirectory<T> {
  private readonly byId = new Map<string, T>();
  private readonly fallback: T | undefined;

  constructor(settings: Pick<CommonSettings, 'LUNGFLOW_PACS' | 'DICOMWEB_URL' | 'DICOMWEB_USERNAME' | 'DICOMWEB_PASSWORD' | 'DICOMWEB_BEARER_TOKEN'>, make: (entry: PacsEntry) => T) {
    if (settings.LUNGFLOW_PACS) {
      for (const entry of settings.LUNGFLOW_PACS) this.byId.set(entry.id, make(entry));
    } else {
      this.fallback = make({ id: '*', dicomWebUrl: settings.DICOMWEB_URL, username: settings.DICOMWEB_USERNAME, password: settings.DICOMWEB_PASSWORD, bearerToken: settings.DICOMWEB_BEARER_TOKEN, store: 'stow' });
    }
  }

  /** What to use for a study from `sourcePacsId`. */
  for(sourcePacsId: string): T {
    const found = this.byId.get(sourcePacsId) ?? this.fallback;
    if (found === undefined) {
      throw new LungFlowError('PACS_UNKNOWN', `no PACS "${sourcePacsId}" in LUNGFLOW_PACS (known: ${[...this.byId.keys()].join(', ')})`, { details: { sourcePacsId } });
    }
    return found;
  }

  /** Every configured PACS (one when LUNGFLOW_PACS is unset): readiness checks look at all of them. */
  all(): T[] {
    return this.fallback === undefined ? [...this.byId.values()] : [this.fallback];
  }
}
