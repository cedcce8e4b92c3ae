import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { LungFlowError } from '@lungflow/errors';
import type { ModelCard } from '../modelCard';
import { LESION_MEASURES, LESION_REGIONS } from './lesionFeatures';

const FEATURE_NAMES = new Set<string>(LESION_REGIONS.flatMap((region) => LESION_MEASURES.map((measure) => `${region}.${measure}`)));
const MEASURE_NAMES = new Set<string>(LESION_MEASURES);

const range = z.tuple([z.number(), z.number()]).refine(([low, high]) => low <= high, 'range must be [low, high] with low <= high');

/** A linear model `clip(intercept + Σ weights[f] · feature[f], range)` whose weight keys must be names in `known`. */
const linear = (known: Set<string>, what: string) =>
  z.looseObject({
    intercept: z.number(),
    weights: z.record(z.string(), z.number()).refine((w) => Object.keys(w).every((k) => known.has(k)), { message: `weights must be keyed by ${what}` }),
    range,
  });

const byFeature = linear(FEATURE_NAMES, 'feature names (<region>.<measure>, README rule 6)');

const clinical = z.discriminatedUnion('estimable', [
  byFeature.extend({ id: z.string().min(1), display: z.string(), unit: z.string(), estimable: z.literal(true), nPatients: z.number().int().nonnegative() }),
  // Too few patients to fit honestly: listed (so readers see it was considered), never predicted.
  z.looseObject({ id: z.string().min(1), display: z.string(), unit: z.string(), estimable: z.literal(false), nPatients: z.number().int().nonnegative() }),
]);

/** `models/<release>/lesions.json` (schema `lungflow.lesions.v1`); see README.md beside this file. */
export const lesionModelSchema = z.looseObject({
  schema: z.literal('lungflow.lesions.v1'),
  appliesTo: z.looseObject({ model: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
  supervision: z.string().min(1),
  lesionMap: z.looseObject({ className: z.string(), normalise: z.enum(['none', 'maxInLungs']), threshold: z.number() }),
  brixiaZone: linear(MEASURE_NAMES, `measures (${LESION_MEASURES.join(', ')})`).optional(),
  extent: byFeature.optional(),
  opacity: byFeature.optional(),
  clinical: z.array(clinical).default([]),
});

export type LesionModel = z.infer<typeof lesionModelSchema>;
export type LesionMapRule = LesionModel['lesionMap'];
export type LinearModel = z.infer<typeof byFeature>;

/**
 * The lesion map of a release without `lesions.json`: the operating-point class's CAM, normalised to its maximum in
 * the lungs, at half of it (the README's example values, which the Python side uses as well).
 */
export function defaultLesionMap(card: ModelCard): LesionMapRule {
  return { className: card.operatingPoint.className, normalise: 'maxInLungs', threshold: 0.5 };
}

/**
 * Reads `lesions.json` from a release folder: undefined when the release ships none (measurements only, no severity
 * or clinical predictions). A file that is there but invalid, or made for another model, fails loading: serving
 * severity scores regressed on another model's CAM would be wrong without any sign of it.
 */
export async function loadLesionModel(releaseDir: string, card: ModelCard): Promise<LesionModel | undefined> {
  const file = path.join(releaseDir, 'lesions.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new LungFlowError('MODEL_CARD_UNREADABLE', `Cannot read ${file}`, { cause, details: { releaseDir } });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new LungFlowError('MODEL_CARD_INVALID', `${file} is not JSON`, { cause, details: { releaseDir } });
  }
  return checkLesionModel(raw, card, file);
}

/** Validates a parsed `lesions.json` against its schema and the card it is served with. */
export function checkLesionModel(raw: unknown, card: ModelCard, source = 'lesions.json'): LesionModel {
  const parsed = lesionModelSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new LungFlowError('MODEL_CARD_INVALID', `${source} is invalid: ${problems}`);
  }
  const model = parsed.data;
  if (model.appliesTo.sha256 !== card.files.sha256 || model.appliesTo.model !== card.id) {
    throw new LungFlowError('MODEL_HASH_MISMATCH', `${source} was fitted for ${model.appliesTo.model} (${model.appliesTo.sha256}), not for ${card.id} (${card.files.sha256})`);
  }
  if (!card.classes.some((c) => c.name === model.lesionMap.className)) {
    throw new LungFlowError('MODEL_CARD_INVALID', `${source}: lesionMap.className "${model.lesionMap.className}" is not a class of ${card.id}`);
  }
  const ids = model.clinical.map((c) => c.id);
  if (new Set(ids).size !== ids.length) throw new LungFlowError('MODEL_CARD_INVALID', `${source}: clinical ids repeat (${ids.join(', ')})`);
  return model;
}
