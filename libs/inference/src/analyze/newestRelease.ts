import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * The release folder a task gets when nothing names one: the highest `<task>-v<N>` under `modelsRoot` that holds a
 * `card.json` (so `cxr-v2` once it is released, `cxr-v1` before), else `<task>-v1` there (whose absence then fails
 * loading with the path in the message). The infer service and `lungflow analyze` both choose through this function.
 */
export function newestRelease(modelsRoot: string, task: 'cxr' | 'ct'): string {
  const pattern = new RegExp(`^${task}-v(\\d+)$`);
  let best: { version: number; name: string } | undefined;
  const names = existsSync(modelsRoot) ? readdirSync(modelsRoot) : [];
  for (const name of names) {
    const match = pattern.exec(name);
    if (!match || !existsSync(path.join(modelsRoot, name, 'card.json'))) continue;
    const version = Number(match[1]);
    if (!best || version > best.version) best = { version, name };
  }
  return path.join(modelsRoot, best?.name ?? `${task}-v1`);
}
