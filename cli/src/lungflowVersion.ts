import { readFileSync } from 'node:fs';
import path from 'node:path';

/** LungFlow's version (the root package.json of the checkout), written into SR/SC Software Versions. */
export function lungflowVersion(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'lungflow' && pkg.version) return pkg.version;
    } catch {
      // no package.json at this level: keep walking up
    }
    if (path.dirname(dir) === dir) return '0.0.0-unknown';
  }
}
