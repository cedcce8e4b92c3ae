import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'lungflow_session';

/**
 * The page's session after it exchanged the bearer token once (POST /api/v1/session): what its <img> and
 * EventSource requests carry instead of `?access_token=`, which lands in request logs, proxies and browser history.
 *
 * Stateless, so that any report replica accepts a cookie another one issued: `v1.<expiresAtMs>.<nonce>.<mac>`, the
 * MAC an HMAC-SHA-256 under a key derived from REPORT_API_TOKEN. Rotating the token ends every session; a session
 * cannot outlive `ttlMs`. The cookie never holds the token itself.
 */
export class SessionCookies {
  private readonly key: Buffer;

  constructor(
    apiToken: string,
    readonly ttlMs: number,
  ) {
    this.key = createHmac('sha256', apiToken).update('lungflow report session cookie v1').digest();
  }

  issue(now = Date.now()): string {
    const payload = `v1.${now + this.ttlMs}.${randomBytes(12).toString('base64url')}`;
    return `${payload}.${this.mac(payload)}`;
  }

  verify(value: string | undefined, now = Date.now()): boolean {
    if (!value) return false;
    const cut = value.lastIndexOf('.');
    const payload = value.slice(0, cut);
    const [version, expires] = payload.split('.');
    if (cut < 0 || version !== 'v1' || !(Number(expires) > now)) return false;
    const given = Buffer.from(value.slice(cut + 1));
    const expected = Buffer.from(this.mac(payload));
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /**
   * Set-Cookie for a new session. HttpOnly: page scripts (and so an injected one) cannot read it; SameSite=Strict:
   * another site cannot make the browser send it; Secure whenever the page came over TLS (directly or through a
   * TLS-terminating proxy). No Path attribute on purpose: the browser then scopes the cookie to the directory of
   * the URL that set it, `<where report is mounted>/api/v1`, so it goes with API, image and event requests only, and
   * that holds behind an ingress that serves report under a prefix the service never sees.
   */
  setCookie(value: string, secure: boolean): string {
    return `${SESSION_COOKIE}=${value}; Max-Age=${Math.floor(this.ttlMs / 1000)}; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
  }

  clearCookie(secure: boolean): string {
    return `${SESSION_COOKIE}=; Max-Age=0; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url');
  }
}

/** The session cookie's value from the request's Cookie header, if any. */
export function sessionCookieOf(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** True when the request reached us over TLS, or a proxy in front says it did (only ever adds Secure). */
export function cameOverTls(request: FastifyRequest): boolean {
  const forwarded = request.headers['x-forwarded-proto'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim().toLowerCase();
  return request.protocol === 'https' || first === 'https';
}
