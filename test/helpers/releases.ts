import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './paths';

/**
 * The model release folders tests run against: every folder of models/ with a card.json, plus the folders named in
 * LUNGFLOW_TEST_RELEASES (comma-separated), e.g. a training run's contract files that are not released into models/.
 */
export function releaseDirs(): string[] {
  const models = path.join(REPO_ROOT, 'models');
  return [
    ...readdirSync(models).filter((name) => existsSync(path.join(models, name, 'card.json'))).sort().map((name) => path.join(models, name)),
    ...(process.env.LUNGFLOW_TEST_RELEASES ?? '').split(',').map((dir) => dir.trim()).filter(Boolean).map((dir) => path.resolve(dir)),
  ];
}
