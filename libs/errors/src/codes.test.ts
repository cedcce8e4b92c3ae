import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ERROR_CODES, isErrorCode, type ErrorCodeEntry } from './codes';

const ROOT = join(__dirname, '..', '..', '..');

function readmeRows(): Array<{ code: string; retriable: boolean; meaning: string; maxAttempts?: number }> {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  return [...readme.matchAll(/^\| `([A-Z0-9_]+)` \| (yes|no)(?:, (\d+) attempts)? \| (.*) \|$/gm)].map((m) => ({
    code: m[1] as string,
    retriable: m[2] === 'yes',
    meaning: (m[4] as string).replace(/\\\|/g, '|'),
    ...(m[3] === undefined ? {} : { maxAttempts: Number(m[3]) }),
  }));
}

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts') && !name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

describe('the error-code catalogue', () => {
  it('is the table in the README, row for row', () => {
    const table = readmeRows();
    const catalogue = Object.entries(ERROR_CODES).map(([code, entry]: [string, ErrorCodeEntry]) => ({ code, retriable: entry.retriable, meaning: entry.meaning, ...(entry.maxAttempts === undefined ? {} : { maxAttempts: entry.maxAttempts }) }));
    expect(table).toEqual(catalogue);
  });

  it('holds every code that a source file throws, labels or dead-letters as a string', () => {
    // `new SomethingError('CODE'`, `errorCode: 'CODE'`, `code: 'CODE'` and metric `.labels(..., 'CODE')` in every
    // package, service and the CLI: a bare string outside the catalogue fails here even where TypeScript cannot see it.
    const pattern = /(?:new \w*Error\(\s*|errorCode:\s*|\bcode:\s*|\.labels\([^)]*?,\s*)'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)'/g;
    const strays: string[] = [];
    const seen = new Set<string>();
    for (const top of ['libs', 'services', 'cli']) {
      for (const file of sourceFiles(join(ROOT, top))) {
        for (const match of readFileSync(file, 'utf8').matchAll(pattern)) {
          seen.add(match[1] as string);
          if (!isErrorCode(match[1] as string)) strays.push(`${relative(ROOT, file)}: ${match[1]}`);
        }
      }
    }
    expect(strays).toEqual([]);
    expect(seen.size).toBeGreaterThan(20); // the scan itself still finds the codes in use
  });

  it('gives a per-code attempt cap only to retriable codes, below the retry ceiling', () => {
    for (const [code, entry] of Object.entries(ERROR_CODES) as Array<[string, ErrorCodeEntry]>) {
      if (entry.maxAttempts === undefined) continue;
      expect({ code, retriable: entry.retriable }).toEqual({ code, retriable: true });
      expect(entry.maxAttempts).toBeGreaterThan(1);
      expect(entry.maxAttempts).toBeLessThan(1_000);
    }
  });

  it('has no synonyms left from before the catalogue', () => {
    expect(isErrorCode('INFER_NOTHING_TO_ANALYSE')).toBe(false);
    expect(isErrorCode('NOTHING_TO_ANALYSE')).toBe(true);
  });
});
