import { z } from 'zod';
import { pacsSetting } from './pacsSet';

/** Reusable field types for environment variables (which are always strings). */
export const env = {
  port: (defaultPort: number) => z.coerce.number().int().min(1).max(65535).default(defaultPort),
  positiveInt: (defaultValue: number) => z.coerce.number().int().positive().default(defaultValue),
  nonNegativeInt: (defaultValue: number) => z.coerce.number().int().min(0).default(defaultValue),
  url: (defaultUrl?: string) => (defaultUrl === undefined ? z.url() : z.url().default(defaultUrl)),
  list: (defaultValue: string) =>
    z
      .string()
      .default(defaultValue)
      .transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean)),
  bool: (defaultValue: boolean) =>
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'])
      .default(defaultValue ? 'true' : 'false')
      .transform((value) => value === 'true' || value === '1' || value === 'yes'),
  optionalString: () => z.string().optional(),
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
};

/** Settings every service reads. Services extend this with their own (see each service's `config.ts`). */
export const commonSettings = z.object({
  LOG_LEVEL: env.logLevel(),
  HTTP_HOST: z.string().default('127.0.0.1'),
  /**
   * Lets a service whose HTTP endpoints take credentials start on a non-loopback address without any configured
   * (requireAuthOffLoopback). For a closed test network only; the log says so at start.
   */
  HTTP_ALLOW_UNAUTHENTICATED: env.bool(false),
  KAFKA_BROKERS: env.list('127.0.0.1:9092'),
  KAFKA_CLIENT_ID: z.string().default('lungflow'),
  /**
   * TLS to the brokers (Strimzi's `tls` listener): on with KAFKA_TLS=true; the CA file when the cluster's CA is not a
   * public one (Strimzi: the `<cluster>-cluster-ca-cert` Secret); cert + key for mutual TLS (listener `authentication: tls`).
   */
  KAFKA_TLS: env.bool(false),
  KAFKA_TLS_CA_FILE: env.optionalString(),
  KAFKA_TLS_CERT_FILE: env.optionalString(),
  KAFKA_TLS_KEY_FILE: env.optionalString(),
  /** SASL (Strimzi `authentication: scram-sha-512`): mechanism, user and password; unset: no SASL. */
  KAFKA_SASL_MECHANISM: z.enum(['scram-sha-512', 'scram-sha-256', 'plain']).optional(),
  KAFKA_SASL_USERNAME: env.optionalString(),
  KAFKA_SASL_PASSWORD: env.optionalString(),
  /** Replication factor of the topics a service creates; unset: 1 when every broker is on loopback, else 3. */
  KAFKA_REPLICATION_FACTOR: z.coerce.number().int().positive().optional(),
  /** redis:// or rediss:// (TLS). Credentials belong in the next settings (a Secret), not in this URL (a ConfigMap). */
  REDIS_URL: env.url('redis://127.0.0.1:6379'),
  /** Redis AUTH (libs/redis redisSecurity): the password, or a file holding it (a mounted Secret); an ACL user name. */
  REDIS_USERNAME: env.optionalString(),
  REDIS_PASSWORD: env.optionalString(),
  REDIS_PASSWORD_FILE: env.optionalString(),
  /** The CA that signed Redis's certificate when it is a private one (rediss:// only). */
  REDIS_TLS_CA_FILE: env.optionalString(),
  DICOMWEB_URL: env.url('http://127.0.0.1:8042/dicom-web'),
  DICOMWEB_USERNAME: env.optionalString(),
  DICOMWEB_PASSWORD: env.optionalString(),
  DICOMWEB_BEARER_TOKEN: env.optionalString(),
  DICOMWEB_TIMEOUT_MS: env.positiveInt(30_000),
  /** More than one PACS: JSON array of {id, dicomWebUrl, credentials, store, dimse} (pacsSet.ts); unset: DICOMWEB_URL only. */
  LUNGFLOW_PACS: pacsSetting,
});

export type CommonSettings = z.infer<typeof commonSettings>;
