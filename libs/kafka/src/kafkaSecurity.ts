import type { KafkaConfig } from 'kafkajs';
import { ConfigError, readSettingFile } from '@lungflow/errors';

/** The security settings of commonSettings (libs/config), as every service reads them. */
export interface KafkaSecuritySettings {
  KAFKA_TLS: boolean;
  KAFKA_TLS_CA_FILE?: string;
  KAFKA_TLS_CERT_FILE?: string;
  KAFKA_TLS_KEY_FILE?: string;
  KAFKA_SASL_MECHANISM?: 'scram-sha-512' | 'scram-sha-256' | 'plain';
  KAFKA_SASL_USERNAME?: string;
  KAFKA_SASL_PASSWORD?: string;
}

export type KafkaSecurity = Pick<KafkaConfig, 'ssl' | 'sasl'>;

/**
 * kafkajs's `ssl` and `sasl` from the settings. Why here and checked at start: a broker that wants TLS or SASL answers
 * a plaintext client by closing the connection, which kafkajs retries for ever as "connection closed"; a missing file,
 * a half-set pair or a SASL user without a password is better refused at start with the variable's name.
 */
export function kafkaSecurity(settings: KafkaSecuritySettings): KafkaSecurity {
  const security: KafkaSecurity = {};
  const tlsFiles = [settings.KAFKA_TLS_CA_FILE, settings.KAFKA_TLS_CERT_FILE, settings.KAFKA_TLS_KEY_FILE].some(Boolean);
  if (tlsFiles && !settings.KAFKA_TLS) throw new ConfigError('KAFKA_TLS_*_FILE is set but KAFKA_TLS is not true', { details: { variables: ['KAFKA_TLS'] } });
  if (Boolean(settings.KAFKA_TLS_CERT_FILE) !== Boolean(settings.KAFKA_TLS_KEY_FILE)) {
    throw new ConfigError('mutual TLS needs both KAFKA_TLS_CERT_FILE and KAFKA_TLS_KEY_FILE', { details: { variables: ['KAFKA_TLS_CERT_FILE', 'KAFKA_TLS_KEY_FILE'] } });
  }
  if (settings.KAFKA_TLS) {
    security.ssl = settings.KAFKA_TLS_CA_FILE || settings.KAFKA_TLS_CERT_FILE
      ? {
          rejectUnauthorized: true,
          ...(settings.KAFKA_TLS_CA_FILE ? { ca: [readSettingFile('KAFKA_TLS_CA_FILE', settings.KAFKA_TLS_CA_FILE)] } : {}),
          ...(settings.KAFKA_TLS_CERT_FILE ? { cert: readSettingFile('KAFKA_TLS_CERT_FILE', settings.KAFKA_TLS_CERT_FILE), key: readSettingFile('KAFKA_TLS_KEY_FILE', settings.KAFKA_TLS_KEY_FILE!) } : {}),
        }
      : true;
  }
  const { KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: username, KAFKA_SASL_PASSWORD: password } = settings;
  if (mechanism) {
    if (!username || !password) throw new ConfigError(`KAFKA_SASL_MECHANISM ${mechanism} needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD`, { details: { variables: ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'] } });
    // PLAIN sends the password as it is: only over TLS
    if (mechanism === 'plain' && !settings.KAFKA_TLS) throw new ConfigError('KAFKA_SASL_MECHANISM plain sends the password in clear: set KAFKA_TLS=true', { details: { variables: ['KAFKA_TLS'] } });
    security.sasl = { mechanism, username, password } as KafkaSecurity['sasl'];
  } else if (username || password) {
    throw new ConfigError('KAFKA_SASL_USERNAME/PASSWORD are set but KAFKA_SASL_MECHANISM is not', { details: { variables: ['KAFKA_SASL_MECHANISM'] } });
  }
  return security;
}
