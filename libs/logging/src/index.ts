export { createLogger } from './createLogger';
export type { CreateLoggerOptions, Logger } from './createLogger';
export { redactPatientIdentity, isIdentifyingKey, REDACTED } from './redactPatientIdentity';
