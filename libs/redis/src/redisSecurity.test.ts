import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisSecurity } from './redisSecurity';

const dir = mkdtempSync(join(tmpdir(), 'redis-security-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const ca = file('ca.crt', 'CA PEM');
const passwordFile = file('password', 's3cret\n');

describe('redisSecurity', () => {
  it('adds nothing by default, as the local stack runs', () => {
    expect(redisSecurity({ REDIS_URL: 'redis://127.0.0.1:6379' })).toEqual({});
    // rediss:// alone is TLS with the system's CAs: ioredis turns it on from the scheme
    expect(redisSecurity({ REDIS_URL: 'rediss://redis.example:6380' })).toEqual({});
  });

  it('takes the password from the environment or from a file (without its trailing newline), and an ACL user', () => {
    expect(redisSecurity({ REDIS_URL: 'redis://redis:6379', REDIS_PASSWORD: 'pw' })).toEqual({ password: 'pw' });
    expect(redisSecurity({ REDIS_URL: 'redis://redis:6379', REDIS_PASSWORD_FILE: passwordFile, REDIS_USERNAME: 'lungflow' })).toEqual({ password: 's3cret', username: 'lungflow' });
  });

  it('trusts a private CA for rediss://', () => {
    expect(redisSecurity({ REDIS_URL: 'rediss://redis:6380', REDIS_TLS_CA_FILE: ca, REDIS_PASSWORD: 'pw' })).toEqual({
      password: 'pw',
      tls: { ca: ['CA PEM'], rejectUnauthorized: true },
    });
  });

  it('refuses half-set or contradictory settings at start, naming the variable', () => {
    expect(() => redisSecurity({ REDIS_URL: 'redis://redis:6379', REDIS_PASSWORD: 'a', REDIS_PASSWORD_FILE: passwordFile })).toThrow(/not both/);
    expect(() => redisSecurity({ REDIS_URL: 'redis://:inurl@redis:6379', REDIS_PASSWORD: 'a' })).toThrow(/REDIS_URL carries credentials/);
    expect(() => redisSecurity({ REDIS_URL: 'redis://redis:6379', REDIS_USERNAME: 'u' })).toThrow(/REDIS_USERNAME needs/);
    expect(() => redisSecurity({ REDIS_URL: 'redis://redis:6379', REDIS_PASSWORD_FILE: join(dir, 'missing') })).toThrow(/REDIS_PASSWORD_FILE: cannot read/);
    expect(() => redisSecurity({ REDIS_URL: 'redis://redis:6379', REDIS_PASSWORD_FILE: file('empty', '\n') })).toThrow(/is empty/);
    expect(() => redisSecurity({ REDIS_URL: 'redis://redis:6379', REDIS_TLS_CA_FILE: ca })).toThrow(/not rediss:\/\//);
  });
});
