import { z } from 'zod';
import { ConfigError } from '@lungflow/errors';
import { commonSettings, env, loadConfig } from './index';

describe('loadConfig', () => {
  it('applies defaults and coerces types', () => {
    const config = loadConfig(commonSettings, {});
    expect(config.KAFKA_BROKERS).toEqual(['127.0.0.1:9092']);
    expect(config.DICOMWEB_TIMEOUT_MS).toBe(30_000);
    expect(config.LOG_LEVEL).toBe('info');
  });

  it('names the bad variable and the value it got', () => {
    const schema = commonSettings.extend({ HTTP_PORT: env.port(8080) });
    let thrown: unknown;
    try {
      loadConfig(schema, { HTTP_PORT: 'eighty', REDIS_URL: 'not a url' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const message = (thrown as Error).message;
    expect(message).toContain('HTTP_PORT');
    expect(message).toContain('"eighty"');
    expect(message).toContain('REDIS_URL');
  });

  it('reports a missing required variable as not set', () => {
    const schema = z.object({ MODEL_DIR: z.string() });
    expect(() => loadConfig(schema, { MODEL_DIR: '' })).toThrow(/MODEL_DIR: .*\(not set\)/);
  });

  it('parses lists and booleans', () => {
    const schema = z.object({ BROKERS: env.list(''), ENABLED: env.bool(false) });
    expect(loadConfig(schema, { BROKERS: 'a:1, b:2', ENABLED: 'yes' })).toEqual({ BROKERS: ['a:1', 'b:2'], ENABLED: true });
  });
});
