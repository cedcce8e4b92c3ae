import path from 'node:path';
import { z } from 'zod';
import { commonSettings, env, loadConfig } from '@lungflow/config';
import { newestRelease } from '@lungflow/inference';

/** Infer's settings (environment variables; see README). */
export const inferSettings = commonSettings.extend({
  INFER_HTTP_PORT: env.port(8082),
  /** Folder holding the model releases (one sub-folder per release, as in the repository's `models/`). */
  MODEL_DIR: env.optionalString(),
  /**
   * Release folder names under MODEL_DIR to serve (e.g. `cxr-v1,ct-v1` to pin); a task it does not name gets the
   * newest `<task>-vN` there (cxr-v2 once released, else cxr-v1).
   */
  INFER_MODELS: env.list(''),
  /** Overrides for one task's release folder (absolute, or relative to the working directory). */
  MODEL_CXR_DIR: env.optionalString(),
  MODEL_CT_DIR: env.optionalString(),
  /** onnxruntime execution provider: `cuda` needs the CUDA build of onnxruntime-node (see README). */
  INFER_EXECUTION_PROVIDER: z.enum(['cpu', 'cuda']).default('cpu'),
  /** Threads inside one operator; 0 lets onnxruntime use every core. */
  INFER_INTRA_OP_THREADS: env.nonNegativeInt(0),
  /** Largest batch sent to the model; images of concurrent studies share batches. */
  INFER_MAX_BATCH: env.positiveInt(8),
  /** How long the first image of a batch waits for more before the batch runs anyway. */
  INFER_MAX_WAIT_MS: env.nonNegativeInt(10),
  /** Studies in flight at once (Kafka partitions consumed concurrently): what lets batches span messages. */
  INFER_CONCURRENT_STUDIES: env.positiveInt(4),
  INFER_CONSUMER_GROUP: z.string().default('lungflow-infer'),
  /** Attempts for a retriable failure (PACS outage) before the study is dead-lettered; 0: the retry policy's ceiling (1000, hours), never for ever. */
  INFER_MAX_ATTEMPTS: env.nonNegativeInt(0),
  INFER_RETRY_INITIAL_MS: env.positiveInt(500),
  INFER_RETRY_MAX_MS: env.positiveInt(30_000),
  INFER_REDIS_PREFIX: z.string().default('lungflow:infer:'),
  /** How long "this study version was analysed with this model" is remembered, so a redelivery publishes no duplicate. */
  INFER_DONE_TTL_MS: env.positiveInt(7 * 24 * 3_600_000),
  /** Create missing Kafka topics from TOPICS at start (off where an operator manages topics). */
  INFER_CREATE_TOPICS: env.bool(true),
});

export type InferConfig = z.infer<typeof inferSettings>;

export function loadInferConfig(source: NodeJS.ProcessEnv = process.env): InferConfig {
  return loadConfig(inferSettings, source);
}

/** The repository's `models/` when MODEL_DIR is unset (this file sits in services/infer/{src,dist}). */
const REPO_MODELS = path.resolve(__dirname, '../../../models');

/**
 * The release folder per task: MODEL_CXR_DIR / MODEL_CT_DIR when set, else the INFER_MODELS entry under MODEL_DIR
 * whose name starts with the task (`cxr-v1`, `ct-v1`), else the newest `<task>-vN` there (newestRelease).
 */
export function modelDirs(config: Pick<InferConfig, 'MODEL_DIR' | 'INFER_MODELS' | 'MODEL_CXR_DIR' | 'MODEL_CT_DIR'>): { cxr: string; ct: string } {
  const root = path.resolve(config.MODEL_DIR ?? REPO_MODELS);
  const pick = (task: 'cxr' | 'ct'): string => {
    const named = config.INFER_MODELS.find((name) => name.startsWith(`${task}-`));
    return named ? path.join(root, named) : newestRelease(root, task);
  };
  return {
    cxr: config.MODEL_CXR_DIR ? path.resolve(config.MODEL_CXR_DIR) : pick('cxr'),
    ct: config.MODEL_CT_DIR ? path.resolve(config.MODEL_CT_DIR) : pick('ct'),
  };
}
