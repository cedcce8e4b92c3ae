import { SessionCookies } from './sessionCookie';

describe('SessionCookies', () => {
  const sessions = new SessionCookies('the-api-token', 60_000);

  it('verifies what it issued until it expires, and never holds the token', () => {
    const value = sessions.issue(1_000);
    expect(value).toMatch(/^v1\.61000\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(value).not.toContain('the-api-token');
    expect(sessions.verify(value, 60_999)).toBe(true);
    expect(sessions.verify(value, 61_000)).toBe(false);
    expect(sessions.issue(1_000)).not.toBe(value); // a nonce: two sessions never share a value
  });

  it('refuses a changed expiry, a changed MAC, another token\'s cookie and garbage', () => {
    const value = sessions.issue(1_000);
    const [version, , nonce, mac] = value.split('.');
    expect(sessions.verify(`${version}.99999999999999.${nonce}.${mac}`, 2_000)).toBe(false);
    expect(sessions.verify(`${value.slice(0, -1)}${value.endsWith('A') ? 'B' : 'A'}`, 2_000)).toBe(false);
    // Rotating REPORT_API_TOKEN ends every session.
    expect(new SessionCookies('a-new-token', 60_000).verify(value, 2_000)).toBe(false);
    for (const junk of [undefined, '', 'v1', 'v1.x.y.z', 'v2.99999999999999.n.m', '.']) expect(sessions.verify(junk, 2_000)).toBe(false);
  });

  it('sets HttpOnly and SameSite=Strict, Secure only over TLS, and no Path (the browser scopes it to /api/v1)', () => {
    expect(sessions.setCookie('v', false)).toBe('lungflow_session=v; Max-Age=60; HttpOnly; SameSite=Strict');
    expect(sessions.setCookie('v', true)).toBe('lungflow_session=v; Max-Age=60; HttpOnly; SameSite=Strict; Secure');
    expect(sessions.clearCookie(false)).toBe('lungflow_session=; Max-Age=0; HttpOnly; SameSite=Strict');
  });
});
