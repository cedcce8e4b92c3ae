import type { RedisOptions } from 'ioredis';
import { ConfigError, readSettingFile } from '@lungflow/errors';

/** The Redis settings of commonSettings (libs/config), as every service reads them. */
export interface RedisSecuritySettings {
  REDIS_URL: string;
  REDIS_USERNAME?: string;
  REDIS_PASSWORD?: string;
  REDIS_PASSWORD_FILE?: string;
  REDIS_TLS_CA_FILE?: string;
}

export type RedisSecurity = Pick<RedisOptions, 'username' | 'password' | 'tls'>;

/**
 * ioredis's `username`, `password` and `tls` from the settings. Why apart from the URL: the URL sits in a ConfigMap
 * (and in `ps` of whoever prints it), the password belongs in a Secret (REDIS_PASSWORD from a secretKeyRef, or a file
 * mounted from one); TLS is the `rediss://` scheme, with REDIS_TLS_CA_FILE when the server's CA is a private one.
 * Checked at start, naming the variable: a Redis that wants AUTH answers every command with NOAUTH, which the
 * services would otherwise retry as an outage.
 */
export function redisSecurity(settings: RedisSecuritySettings): RedisSecurity {
  const security: RedisSecurity = {};
  const url = new URL(settings.REDIS_URL);
  const tls = url.protocol === 'rediss:';
  if (settings.REDIS_PASSWORD && settings.REDIS_PASSWORD_FILE) {
    throw new ConfigError('set REDIS_PASSWORD or REDIS_PASSWORD_FILE, not both', { details: { variables: ['REDIS_PASSWORD', 'REDIS_PASSWORD_FILE'] } });
  }
  // ioredis lets credentials in the URL win over options without a word: two sources of one password would leave
  // the operator guessing which one is used.
  if ((url.username || url.password) && (settings.REDIS_PASSWORD || settings.REDIS_PASSWORD_FILE || settings.REDIS_USERNAME)) {
    throw new ConfigError('REDIS_URL carries credentials and REDIS_USERNAME/REDIS_PASSWORD(_FILE) is set too: keep one', { details: { variables: ['REDIS_URL'] } });
  }
  // A file from a Secret volume usually ends with the newline of whoever wrote it; a password never does.
  const password = settings.REDIS_PASSWORD_FILE ? readSettingFile('REDIS_PASSWORD_FILE', settings.REDIS_PASSWORD_FILE).replace(/\r?\n$/, '') : settings.REDIS_PASSWORD;
  if (settings.REDIS_PASSWORD_FILE && !password) throw new ConfigError(`REDIS_PASSWORD_FILE ${settings.REDIS_PASSWORD_FILE} is empty`, { details: { variables: ['REDIS_PASSWORD_FILE'] } });
  if (settings.REDIS_USERNAME && !password) throw new ConfigError('REDIS_USERNAME needs REDIS_PASSWORD or REDIS_PASSWORD_FILE', { details: { variables: ['REDIS_PASSWORD'] } });
  if (password) security.password = password;
  if (settings.REDIS_USERNAME) security.username = settings.REDIS_USERNAME;
  if (settings.REDIS_TLS_CA_FILE) {
    if (!tls) throw new ConfigError('REDIS_TLS_CA_FILE is set but REDIS_URL is not rediss://', { details: { variables: ['REDIS_URL', 'REDIS_TLS_CA_FILE'] } });
    security.tls = { ca: [readSettingFile('REDIS_TLS_CA_FILE', settings.REDIS_TLS_CA_FILE)], rejectUnauthorized: true };
  }
  return security;
}
