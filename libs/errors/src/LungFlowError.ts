import { ERROR_CODES, type ErrorCode } from './codes';

/**
 * The one error tree of LungFlow. Every error says what happened, to which object (by UID, never by patient
 * identity), and, through its code's entry in the catalogue (codes.ts), whether trying again can help.
 * Handlers use `retriable` to choose between retrying with backoff and sending the message to the dead-letter topic.
 */
export interface LungFlowErrorOptions {
  /** The underlying error, kept for logs. */
  cause?: unknown;
  /** Identifiers of the object concerned (UIDs, topic, offset): never patient name, ID or birth date. */
  details?: Record<string, unknown>;
}

export class LungFlowError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: LungFlowErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = ERROR_CODES[code].retriable;
    this.details = options.details ?? {};
  }

  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, retriable: this.retriable, details: this.details };
  }
}

/** A setting is missing or invalid: the process must not start. */
export class ConfigError extends LungFlowError {
  constructor(message: string, options: LungFlowErrorOptions = {}) {
    super('CONFIG_INVALID', message, options);
  }
}
