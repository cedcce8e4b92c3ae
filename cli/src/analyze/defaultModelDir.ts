import { existsSync } from 'node:fs';
import path from 'node:path';
import { newestRelease } from '@lungflow/inference';

/**
 * Where the released model for a task is when no option says: MODEL_CXR_DIR / MODEL_CT_DIR, else the newest
 * `<task>-vN` in MODEL_DIR, else in the `models/` of the checkout this command was built from (found by walking up
 * from this file, so it works from src/ under jest and from dist/); the same choice as the infer service.
 */
export function defaultModelDir(task: 'cxr' | 'ct', from: string = __dirname): string {
  const env = task === 'cxr' ? process.env.MODEL_CXR_DIR : process.env.MODEL_CT_DIR;
  if (env) return path.resolve(env);
  if (process.env.MODEL_DIR) return newestRelease(path.resolve(process.env.MODEL_DIR), task);
  for (let dir = from; ; dir = path.dirname(dir)) {
    const models = path.join(dir, 'models');
    const release = newestRelease(models, task);
    if (existsSync(release)) return release;
    if (path.dirname(dir) === dir) return newestRelease(path.resolve('models'), task);
  }
}
