import path from 'node:path';

/** The developer data set beside the checkout (../shared/data), or LUNGFLOW_SHARED_DIR/data. */
export function sharedDataDir(): string {
  const root = path.resolve(__dirname, '../../..');
  return process.env.LUNGFLOW_SHARED_DIR ? path.resolve(process.env.LUNGFLOW_SHARED_DIR, 'data') : path.resolve(root, '../shared/data');
}
