import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * Where the released model for a task is when no option or variable says: `models/<task>-v1` of the checkout this
 * command was built from (found by walking up from this file, so it works from src/ under jest and from dist/).
 */
export function defaultModelDir(task: 'cxr' | 'ct', from: string = __dirname): string {
  const env = task === 'cxr' ? process.env.MODEL_CXR_DIR : process.env.MODEL_CT_DIR;
  if (env) return path.resolve(env);
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'models', `${task}-v1`);
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return path.resolve('models', `${task}-v1`);
  }
}
