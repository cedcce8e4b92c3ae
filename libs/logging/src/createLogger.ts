import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { redactPatientIdentity } from './redactPatientIdentity';

export type { Logger } from 'pino';

export interface CreateLoggerOptions {
  /** The service or tool name, on every line. */
  service: string;
  level?: LoggerOptions['level'];
  /** Where lines go; standard output by default. Tests pass a stream to read the lines back. */
  destination?: DestinationStream;
}

/**
 * JSON lines on standard output (pino: fast, structured, the de-facto Node.js choice, and what Fastify uses).
 * Every object logged passes through `redactPatientIdentity`, so patient name, ID and birth date never reach a log,
 * whatever shape the object has.
 */
export function createLogger({ service, level = 'info', destination }: CreateLoggerOptions): Logger {
  const options: LoggerOptions = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ level: label }),
      log: (object) => redactPatientIdentity(object) as Record<string, unknown>,
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
