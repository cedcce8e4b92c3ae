import { readFileSync } from 'node:fs';
import path from 'node:path';

/** LungFlow's version (the root package.json), written into the SR's Software Versions. */
export function lungflowVersion(): string {
  try {
    return (JSON.parse(readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}
