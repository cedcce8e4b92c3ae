import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * LungFlow's version: the root package.json of the checkout or image, found by walking up from this file, so it is
 * the same from src/ (tests), dist/ (services) and a container's /app. Recorded in every result's provenance and in
 * the SR/SC Software Versions.
 */
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
