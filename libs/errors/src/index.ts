export { LungFlowError, ConfigError } from './LungFlowError';
export { readSettingFile } from './readSettingFile';
export type { LungFlowErrorOptions } from './LungFlowError';
export { ERROR_CODES, isErrorCode } from './codes';
export type { ErrorCode, ErrorCodeEntry } from './codes';
export * from './retry';
