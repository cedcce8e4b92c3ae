import { readFile } from 'node:fs/promises';
import { decodePicture, type ModelSet, type Task } from '@lungflow/inference';
import type { AnalysisResult } from './AnalysisResult';
import type { OutputWriter } from './OutputWriter';
import { lesionsJson } from './lesionsJson';

/**
 * A PNG/JPEG is taken as already windowed gray; the user says which model applies (`--modality`). A picture carries no
 * pixel spacing, so its lesion areas are fractions only.
 */
export async function analyzePicture(file: string, input: string, task: Task, models: ModelSet, outputs: OutputWriter): Promise<AnalysisResult> {
  const gray = await decodePicture(new Uint8Array(await readFile(file)), file);
  const runner = await models.get(task);
  const result = await runner.classifyGray(gray);
  const heatmap = await outputs.heatmapPng(file, gray, result);
  const lungs = await outputs.lungsPng(file, gray, result);
  const lesions = await outputs.lesionsPng(file, gray, result, runner.lesionMap);
  return {
    input,
    ok: true,
    kind: 'picture',
    task,
    model: runner.identity,
    probabilities: result.probabilities,
    decision: result.decision,
    aggregation: 'single',
    analysedImages: 1,
    ...(result.lungs ? { lungs: { areaFraction: result.lungs.areaFraction } } : {}),
    ...(result.lesions ? { lesions: lesionsJson(result.lesions) } : {}),
    outputs: { ...(heatmap ? { heatmap } : {}), ...(lungs ? { lungs } : {}), ...(lesions ? { lesions } : {}) },
  };
}
