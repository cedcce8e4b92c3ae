import { isLoopback, requireAuthOffLoopback } from './requireAuthOffLoopback';

const none = { TOKEN: false, USERS: false };

describe('requireAuthOffLoopback', () => {
  it('refuses a non-loopback bind without credentials, naming what would fix it', () => {
    expect(() => requireAuthOffLoopback('report', { HTTP_HOST: '0.0.0.0', HTTP_ALLOW_UNAUTHENTICATED: false }, none)).toThrow(
      /report would listen on 0\.0\.0\.0 with no authentication: set TOKEN or USERS/,
    );
    expect(() => requireAuthOffLoopback('ingest', { HTTP_HOST: '10.1.2.3', HTTP_ALLOW_UNAUTHENTICATED: false }, none)).toThrow(/CONFIG|authentication/);
  });

  it('lets loopback run open and an explicit opt-out run open, each with a warning', () => {
    expect(requireAuthOffLoopback('report', { HTTP_HOST: '127.0.0.1', HTTP_ALLOW_UNAUTHENTICATED: false }, none)).toMatch(/this machine only/);
    expect(requireAuthOffLoopback('report', { HTTP_HOST: '0.0.0.0', HTTP_ALLOW_UNAUTHENTICATED: true }, none)).toMatch(/WITHOUT authentication/);
  });

  it('says nothing once any credential is set', () => {
    expect(requireAuthOffLoopback('report', { HTTP_HOST: '0.0.0.0', HTTP_ALLOW_UNAUTHENTICATED: false }, { TOKEN: false, USERS: true })).toBeUndefined();
  });

  it('knows the loopback spellings', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) expect(isLoopback(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', 'lungflow-report', '128.0.0.1']) expect(isLoopback(host)).toBe(false);
  });
});
