import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Redis from 'ioredis';
import { RedisServer } from '../../../test/helpers/redisServer';
import { createRedis } from './createRedis';
import { redisSecurity } from './redisSecurity';

/**
 * Issue 16, item 4: Redis AUTH and TLS, against a real redis-server started with --requirepass and a TLS port whose
 * certificate a throw-away CA signed (openssl). Not the stack's Redis, which runs without either.
 */
jest.setTimeout(30_000);

const dir = mkdtempSync(join(tmpdir(), 'lungflow-redis-tls-'));
const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });

function makeCertificates(): { certFile: string; keyFile: string; caFile: string; otherCaFile: string } {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=LungFlow test CA', '-keyout', 'ca.key', '-out', 'ca.crt');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr');
  // Node checks the name against the subjectAltName
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=DNS:localhost\n');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-out', 'server.crt', '-extfile', 'server.ext');
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=Some other CA', '-keyout', 'other.key', '-out', 'other.crt');
  return { certFile: join(dir, 'server.crt'), keyFile: join(dir, 'server.key'), caFile: join(dir, 'ca.crt'), otherCaFile: join(dir, 'other.crt') };
}

describe('createRedis with redisSecurity (real redis-server with --requirepass and TLS)', () => {
  const certificates = makeCertificates();
  const server = new RedisServer({ password: 'correct horse', tls: certificates });
  const clients: Redis[] = [];
  const connect = (settings: Parameters<typeof redisSecurity>[0]) => {
    const client = createRedis(settings.REDIS_URL, { security: redisSecurity(settings), maxRetriesPerRequest: 0 });
    clients.push(client);
    return client;
  };
  beforeAll(() => server.start());
  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('authenticates with REDIS_PASSWORD, and is refused without it', async () => {
    expect(await connect({ REDIS_URL: server.url, REDIS_PASSWORD: 'correct horse' }).set('k', 'v')).toBe('OK');
    await expect(connect({ REDIS_URL: server.url }).get('k')).rejects.toThrow(/NOAUTH/);
  });

  it('speaks TLS on rediss:// with the private CA of REDIS_TLS_CA_FILE, and refuses a server that CA did not sign', async () => {
    const client = connect({ REDIS_URL: server.tlsUrl, REDIS_PASSWORD: 'correct horse', REDIS_TLS_CA_FILE: certificates.caFile });
    expect(await client.ping()).toBe('PONG');
    expect(await client.get('k')).toBe('v');
    const wrongCa = connect({ REDIS_URL: server.tlsUrl, REDIS_PASSWORD: 'correct horse', REDIS_TLS_CA_FILE: certificates.otherCaFile });
    await expect(wrongCa.ping()).rejects.toThrow();
  });
});
