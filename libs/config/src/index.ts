export { loadConfig } from './loadConfig';
export type { EnvSchema } from './loadConfig';
export { env, commonSettings } from './settings';
export type { CommonSettings } from './settings';
export { lungflowVersion } from './lungflowVersion';
export { PacsDirectory, pacsEntry, pacsSetting } from './pacsSet';
export type { PacsEntry } from './pacsSet';
export { isLoopback, requireAuthOffLoopback } from './requireAuthOffLoopback';
