import { z } from 'zod';
import { env } from '@lungflow/config';

/** A DICOM AE title: 1–16 characters of the default repertoire, no backslash or control characters (PS3.5 §6.2). */
const aeTitle = z.string().regex(/^[\x20-\x5b\x5d-\x7e]{1,16}$/, 'an AE title is 1-16 printable ASCII characters, no backslash');

/** The DIMSE receiving mode's settings (environment variables; see services/ingest/README.md). */
export const dimseSettings = {
  /** Listen for C-STORE and C-ECHO (beside polling and STOW-RS). */
  INGEST_DIMSE_ENABLED: env.bool(false),
  INGEST_DIMSE_HOST: z.string().default('127.0.0.1'),
  INGEST_DIMSE_PORT: env.port(11112),
  /** Our AE title: senders must call it. */
  INGEST_DIMSE_AE_TITLE: aeTitle.default('LUNGFLOW'),
  /** Comma-separated calling AE titles admitted; `*` admits any (a trial set-up). Required when enabled. */
  INGEST_DIMSE_ALLOWED_CALLING_AE_TITLES: env.list(''),
};
