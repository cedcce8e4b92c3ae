import { readFileSync } from 'node:fs';
import { ConfigError } from './LungFlowError';

/**
 * The text of a file a setting names (a CA, a key, a password mounted from a Secret). Refused at start with the
 * variable's name: a missing mount otherwise surfaces later as an opaque TLS or AUTH failure that is retried as an outage.
 */
export function readSettingFile(variable: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`${variable}: cannot read ${file} (${(error as Error).message})`, { details: { variables: [variable] } });
  }
}
