import path from 'node:path';
import { ConfigError } from '@lungflow/errors';
import { newestRelease } from '@lungflow/inference';
import { loadInferConfig, modelDirs } from './config';

describe('infer config', () => {
  it('defaults to CPU, the repository models and batching across 4 studies', () => {
    const config = loadInferConfig({});
    expect(config).toMatchObject({ INFER_EXECUTION_PROVIDER: 'cpu', INFER_MAX_BATCH: 8, INFER_CONCURRENT_STUDIES: 4, INFER_HTTP_PORT: 8082 });
    const repoModels = path.resolve(__dirname, '../../../models');
    // The newest release in models/ per task (cxr-v2 once it is merged, cxr-v1 before).
    expect(modelDirs(config)).toEqual({ cxr: newestRelease(repoModels, 'cxr'), ct: newestRelease(repoModels, 'ct') });
    expect(modelDirs(loadInferConfig({ INFER_MODELS: 'cxr-v1,ct-v1' }))).toEqual({ cxr: path.join(repoModels, 'cxr-v1'), ct: path.join(repoModels, 'ct-v1') });
  });

  it('finds releases under MODEL_DIR by INFER_MODELS (as the Helm chart sets them), per-task overrides win', () => {
    expect(modelDirs(loadInferConfig({ MODEL_DIR: '/app/models', INFER_MODELS: 'ct-v2,cxr-v3' }))).toEqual({ cxr: '/app/models/cxr-v3', ct: '/app/models/ct-v2' });
    expect(modelDirs(loadInferConfig({ MODEL_DIR: '/app/models', MODEL_CT_DIR: '/mnt/ct-candidate' })).ct).toBe('/mnt/ct-candidate');
  });

  it('refuses an unknown execution provider, naming the variable', () => {
    expect(() => loadInferConfig({ INFER_EXECUTION_PROVIDER: 'tpu' })).toThrow(ConfigError);
    expect(() => loadInferConfig({ INFER_EXECUTION_PROVIDER: 'tpu' })).toThrow(/INFER_EXECUTION_PROVIDER/);
  });
});
