import { z } from 'zod';
import { env } from '@lungflow/config';

const aeTitle = z.string().regex(/^[\x20-\x5b\x5d-\x7e]{1,16}$/, 'an AE title is 1-16 printable ASCII characters, no backslash');

/** How results are written back to the PACS (environment variables; see services/report/README.md). */
export const exportSettings = {
  /** `stow`: STOW-RS to DICOMWEB_URL; `dimse`: C-STORE to REPORT_DIMSE_* (a PACS without STOW-RS). */
  REPORT_STORE_PROTOCOL: z.enum(['stow', 'dimse']).default('stow'),
  REPORT_DIMSE_HOST: z.string().default('127.0.0.1'),
  REPORT_DIMSE_PORT: env.port(4242),
  /** The PACS's AE title. */
  REPORT_DIMSE_CALLED_AE_TITLE: aeTitle.default('ORTHANC'),
  /** Ours, as the PACS knows it. */
  REPORT_DIMSE_CALLING_AE_TITLE: aeTitle.default('LUNGFLOW'),
  REPORT_DIMSE_TIMEOUT_MS: env.positiveInt(30_000),
};

export type ExportSettings = { [K in keyof typeof exportSettings]: z.infer<(typeof exportSettings)[K]> };
