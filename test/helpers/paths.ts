import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** The repository root (this file is test/helpers/paths.ts). */
export const REPO_ROOT = resolve(__dirname, '../..');

/**
 * The shared developer data (real de-identified images), kept beside the repository and never copied into it:
 * `../shared/data` from the repository root, or LUNGFLOW_SHARED_DIR/data when that variable is set.
 */
export function sharedDataDir(): string {
  const shared = process.env.LUNGFLOW_SHARED_DIR;
  return shared ? resolve(shared, 'data') : resolve(REPO_ROOT, '../shared/data');
}

/** Whether the shared data is there (tests that need it say so instead of failing obscurely). */
export function hasSharedData(): boolean {
  return existsSync(sharedDataDir());
}
