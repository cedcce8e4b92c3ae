import { z } from 'zod';
import { env } from '@lungflow/config';
import { ROLES } from './Principal';

/** Settings of authentication, review and the worklist's identity columns (README "Authentication"). */
export const authAndReviewSettings = {
  /** JSON user list with scrypt password hashes (`hashPasswordCli`), HTTP Basic: for a trial without SSO. */
  REPORT_USERS_FILE: env.optionalString(),
  /** Header an authenticating proxy (oauth2-proxy: `x-forwarded-user`) puts the signed-in user in. */
  REPORT_AUTH_PROXY_HEADER: env.optionalString(),
  /** Header with the user's groups (oauth2-proxy: `x-forwarded-groups`); `reviewer`/`lungflow-reviewer` etc. */
  REPORT_AUTH_PROXY_GROUPS_HEADER: env.optionalString(),
  /** Where the proxy connects from (IPs or CIDRs, comma-separated): the header from any other address is ignored. */
  REPORT_AUTH_PROXY_ADDRESSES: env.list('127.0.0.1,::1,::ffff:127.0.0.1'),
  /** Role of a proxy user whose groups name no LungFlow role. */
  REPORT_AUTH_PROXY_DEFAULT_ROLE: z.enum(ROLES).default('reader'),
  /** How long the page's session cookie (the bearer token exchanged once) lasts: a shift, 12 h by default. */
  REPORT_SESSION_TTL_MS: env.positiveInt(12 * 60 * 60 * 1000),
  /**
   * Deprecated: also accept REPORT_API_TOKEN as `?access_token=` (which request logs, proxies and browser history
   * keep), for clients written before the session cookie; each use is logged as a warning. Off by default.
   */
  REPORT_TOKEN_IN_URL: env.bool(false),
  /** Verifying Organization written into review SRs (the hospital's name). */
  REPORT_REVIEW_ORGANIZATION: z.string().min(1).max(64).default('LungFlow'),
  /** Hold the model's SR and SC until a reviewer agrees with them (the clinical-review pattern). */
  REPORT_REVIEW_GATE: env.bool(false),
  /** Consumer group of the dead-letter reader that lists "not analysed" studies. */
  REPORT_DEADLETTER_GROUP: z.string().default('lungflow-report-deadletters'),
};
