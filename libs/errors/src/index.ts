export { LungFlowError, ConfigError, isRetriable } from './LungFlowError';
export type { LungFlowErrorOptions } from './LungFlowError';
