/**
 * Where the real local stack (deploy/local/stack.sh) listens, read from the same environment variables and with the
 * same defaults as the stack itself, so `ORTHANC_HTTP_PORT=18042 npm run stack:up` and the same variable for jest
 * agree. The services' own variables (DICOMWEB_URL, KAFKA_BROKERS, REDIS_URL, DICOMWEB_USERNAME/PASSWORD) win
 * when set, as they do for the services.
 */
export interface StackSettings {
  orthancHttpPort: number;
  orthancDicomPort: number;
  /** e.g. http://127.0.0.1:8042 (Orthanc's REST API root). */
  orthancUrl: string;
  dicomwebUrl: string;
  username: string;
  password: string;
  stableAgeSeconds: number;
  kafkaBrokers: string[];
  kafkaControllerPort: number;
  redisUrl: string;
}

export function stackSettings(env: NodeJS.ProcessEnv = process.env): StackSettings {
  const value = (name: string): string | undefined => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  const int = (name: string, fallback: number): number => {
    const raw = value(name);
    const parsed = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(parsed) || parsed <= 0) throw new RangeError(`${name} must be a positive integer, got "${raw}"`);
    return parsed;
  };
  const orthancHttpPort = int('ORTHANC_HTTP_PORT', 8042);
  const orthancUrl = `http://127.0.0.1:${orthancHttpPort}`;
  return {
    orthancHttpPort,
    orthancDicomPort: int('ORTHANC_DICOM_PORT', 4242),
    orthancUrl,
    dicomwebUrl: value('DICOMWEB_URL') ?? `${orthancUrl}/dicom-web`,
    username: value('DICOMWEB_USERNAME') ?? value('ORTHANC_USERNAME') ?? 'lungflow',
    password: value('DICOMWEB_PASSWORD') ?? value('ORTHANC_PASSWORD') ?? 'lungflow',
    stableAgeSeconds: int('ORTHANC_STABLE_AGE', 3),
    kafkaBrokers: (value('KAFKA_BROKERS') ?? `127.0.0.1:${int('KAFKA_PORT', 9092)}`).split(',').map((b) => b.trim()).filter(Boolean),
    kafkaControllerPort: int('KAFKA_CONTROLLER_PORT', 9093),
    redisUrl: value('REDIS_URL') ?? `redis://127.0.0.1:${int('REDIS_PORT', 6379)}`,
  };
}

/** HTTP basic auth header for the stack's Orthanc. */
export function orthancAuthHeader(settings: StackSettings = stackSettings()): string {
  return `Basic ${Buffer.from(`${settings.username}:${settings.password}`).toString('base64')}`;
}
