import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kafkaSecurity } from './kafkaSecurity';

const dir = mkdtempSync(join(tmpdir(), 'kafka-security-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const ca = file('ca.crt', 'CA PEM');
const cert = file('user.crt', 'CERT PEM');
const key = file('user.key', 'KEY PEM');

describe('kafkaSecurity', () => {
  it('is plaintext by default, as the local stack runs', () => {
    expect(kafkaSecurity({ KAFKA_TLS: false })).toEqual({});
  });

  it('maps TLS with the cluster CA and mutual TLS, and SCRAM, to kafkajs', () => {
    expect(kafkaSecurity({ KAFKA_TLS: true })).toEqual({ ssl: true });
    expect(kafkaSecurity({ KAFKA_TLS: true, KAFKA_TLS_CA_FILE: ca, KAFKA_TLS_CERT_FILE: cert, KAFKA_TLS_KEY_FILE: key })).toEqual({
      ssl: { rejectUnauthorized: true, ca: ['CA PEM'], cert: 'CERT PEM', key: 'KEY PEM' },
    });
    expect(kafkaSecurity({ KAFKA_TLS: true, KAFKA_TLS_CA_FILE: ca, KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'lungflow', KAFKA_SASL_PASSWORD: 'pw' })).toEqual({
      ssl: { rejectUnauthorized: true, ca: ['CA PEM'] },
      sasl: { mechanism: 'scram-sha-512', username: 'lungflow', password: 'pw' },
    });
  });

  it('refuses half-set or unsafe settings at start, naming the variable', () => {
    expect(() => kafkaSecurity({ KAFKA_TLS: false, KAFKA_TLS_CA_FILE: ca })).toThrow(/KAFKA_TLS is not true/);
    expect(() => kafkaSecurity({ KAFKA_TLS: true, KAFKA_TLS_CERT_FILE: cert })).toThrow(/KAFKA_TLS_KEY_FILE/);
    expect(() => kafkaSecurity({ KAFKA_TLS: true, KAFKA_TLS_CA_FILE: join(dir, 'missing.crt') })).toThrow(/KAFKA_TLS_CA_FILE: cannot read/);
    expect(() => kafkaSecurity({ KAFKA_TLS: true, KAFKA_SASL_MECHANISM: 'scram-sha-256', KAFKA_SASL_USERNAME: 'u' })).toThrow(/KAFKA_SASL_PASSWORD/);
    expect(() => kafkaSecurity({ KAFKA_TLS: false, KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' })).toThrow(/in clear/);
    expect(() => kafkaSecurity({ KAFKA_TLS: false, KAFKA_SASL_USERNAME: 'u' })).toThrow(/KAFKA_SASL_MECHANISM is not/);
  });
});
