import Fastify, { type FastifyInstance } from 'fastify';
import { authenticate, principalOf, requireRole } from './authenticate';
import { hashPassword, verifyPassword } from './passwords';
import { SessionCookies } from './sessionCookie';
import type { UserEntry } from './userList';

async function server(options: Parameters<typeof authenticate>[0]): Promise<FastifyInstance> {
  const app = Fastify();
  app.addHook('preHandler', authenticate(options)('reader'));
  app.get('/whoami', async (request) => principalOf(request));
  app.post('/review', { preHandler: requireRole('reviewer') }, async () => ({ saved: true }));
  await app.ready();
  return app;
}

const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

describe('authentication and roles', () => {
  let users: Map<string, UserEntry>;
  beforeAll(async () => {
    users = new Map([
      ['reader1', { username: 'reader1', roles: ['reader'], passwordHash: await hashPassword('reader-password') }],
      ['rev1', { username: 'rev1', displayName: 'House^Gregory', roles: ['reviewer'], passwordHash: await hashPassword('reviewer-password') }],
    ]);
  });

  it('hashes with scrypt and salt: two hashes of one password differ, both verify, a wrong password does not', async () => {
    const a = await hashPassword('correct horse');
    const b = await hashPassword('correct horse');
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse', b)).toBe(true);
    expect(await verifyPassword('wrong horse', a)).toBe(false);
    expect(await verifyPassword('x', 'not-a-hash')).toBe(false);
  });

  it('answers 401 without credentials or with a wrong password, 403 without the role, 200 with it', async () => {
    const app = await server({ users, proxyAddresses: [], proxyDefaultRole: 'reader' });
    expect((await app.inject({ url: '/whoami' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/whoami' })).headers['www-authenticate']).toMatch(/^Basic/);
    expect((await app.inject({ url: '/whoami', headers: basic('reader1', 'nope') })).statusCode).toBe(401);
    expect((await app.inject({ url: '/whoami', headers: basic('reader1', 'reader-password') })).json()).toMatchObject({ username: 'reader1', method: 'local' });
    expect((await app.inject({ method: 'POST', url: '/review', headers: basic('reader1', 'reader-password') })).statusCode).toBe(403);
    const saved = await app.inject({ method: 'POST', url: '/review', headers: basic('rev1', 'reviewer-password') });
    expect(saved.statusCode).toBe(200);
    await app.close();
  });

  it('honours the proxy header only from the configured proxy addresses, with roles from the groups header', async () => {
    const trusted = await server({ proxyHeader: 'X-Forwarded-User', proxyGroupsHeader: 'x-forwarded-groups', proxyAddresses: ['127.0.0.0/8'], proxyDefaultRole: 'reader' });
    const asReviewer = await trusted.inject({ url: '/whoami', headers: { 'x-forwarded-user': 'alice@hospital.org', 'x-forwarded-groups': 'staff,lungflow-reviewer' } });
    expect(asReviewer.json()).toMatchObject({ username: 'alice@hospital.org', roles: ['reviewer'], method: 'proxy' });
    const plain = await trusted.inject({ method: 'POST', url: '/review', headers: { 'x-forwarded-user': 'bob' } });
    expect(plain.statusCode).toBe(403); // default role reader
    await trusted.close();
    // inject() connects from 127.0.0.1: a proxy configured elsewhere means the header is forged.
    const elsewhere = await server({ proxyHeader: 'x-forwarded-user', proxyAddresses: ['10.1.2.3'], proxyDefaultRole: 'admin' });
    expect((await elsewhere.inject({ url: '/whoami', headers: { 'x-forwarded-user': 'mallory' } })).statusCode).toBe(401);
    await elsewhere.close();
  });

  it('is open as anonymous only when nothing is configured', async () => {
    const open = await server({ proxyAddresses: [], proxyDefaultRole: 'reader' });
    expect((await open.inject({ url: '/whoami' })).json()).toMatchObject({ username: 'anonymous', method: 'none' });
    await open.close();
    const token = await server({ apiToken: 'secret-token-1', proxyAddresses: [], proxyDefaultRole: 'reader' });
    expect((await token.inject({ url: '/whoami' })).statusCode).toBe(401);
    expect((await token.inject({ url: '/whoami', headers: { authorization: 'Bearer secret-token-1' } })).json()).toMatchObject({ username: 'api-token', method: 'token' });
    expect((await token.inject({ url: '/whoami', headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(401);
    await token.close();
  });

  it('refuses the token in the URL unless tokenInUrl (deprecated: then with a Deprecation header and a warning)', async () => {
    const strict = await server({ apiToken: 'secret-token-1', proxyAddresses: [], proxyDefaultRole: 'reader' });
    const refused = await strict.inject({ url: '/whoami?access_token=secret-token-1' });
    expect(refused.statusCode).toBe(401);
    expect(refused.json().message).toMatch(/not accepted/);
    await strict.close();
    const warned: string[] = [];
    const compatible = await server({ apiToken: 'secret-token-1', tokenInUrl: true, onTokenInUrl: (request) => void warned.push(request.url), proxyAddresses: [], proxyDefaultRole: 'reader' });
    const allowed = await compatible.inject({ url: '/whoami?access_token=secret-token-1' });
    expect(allowed.statusCode).toBe(200);
    expect(allowed.headers.deprecation).toBe('true');
    expect(warned).toEqual(['/whoami?access_token=secret-token-1']);
    expect((await compatible.inject({ url: '/whoami?access_token=wrong' })).statusCode).toBe(401);
    await compatible.close();
  });

  it('accepts a session cookie for reading, and for changes only with the x-requested-with header', async () => {
    const sessions = new SessionCookies('secret-token-1', 60_000);
    const app = await server({ apiToken: 'secret-token-1', sessions, proxyAddresses: [], proxyDefaultRole: 'reader' });
    const cookie = `other=1; lungflow_session=${sessions.issue()}`;
    expect((await app.inject({ url: '/whoami', headers: { cookie } })).json()).toMatchObject({ username: 'api-token', method: 'token' });
    expect((await app.inject({ url: '/whoami', headers: { cookie: `lungflow_session=${new SessionCookies('old-token', 60_000).issue()}` } })).statusCode).toBe(401);
    expect((await app.inject({ method: 'POST', url: '/review', headers: { cookie } })).statusCode).toBe(403);
    expect((await app.inject({ method: 'POST', url: '/review', headers: { cookie, 'x-requested-with': 'lungflow' } })).statusCode).toBe(200);
    // A wrong bearer header is refused even beside a good cookie: one credential, checked as given.
    expect((await app.inject({ url: '/whoami', headers: { cookie, authorization: 'Bearer wrong' } })).statusCode).toBe(401);
    await app.close();
  });
});
