import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { LungFlowError } from '@lungflow/errors';

const code = z.object({ value: z.string(), scheme: z.string(), meaning: z.string() });

/**
 * The part of a release's `card.json` that serving depends on. Everything the service decides (classes, input size,
 * windowing, threshold) comes from here, so a new model release needs no code change. Unknown fields are kept.
 */
export const modelCardSchema = z.looseObject({
  id: z.string(),
  version: z.string(),
  task: z.enum(['cxr', 'ct']),
  classes: z.array(z.looseObject({ name: z.string(), display: z.string().optional(), code })).min(2),
  input: z.looseObject({ name: z.string(), size: z.number().int().positive(), dtype: z.literal('uint8'), layout: z.literal('NCHW'), channels: z.literal(1) }),
  preprocessing: z.looseObject({}).optional(),
  outputs: z.looseObject({}).or(z.array(z.string())).optional(),
  temperature: z.number().positive().optional(),
  operatingPoint: z.looseObject({
    className: z.string(),
    threshold: z.number().min(0).max(1),
    /** Probabilities p with low <= p < high are reported indeterminate (v2 cards may have it; v1 cards do not). */
    indeterminate: z.looseObject({ low: z.number().min(0).max(1), high: z.number().min(0).max(1) }).optional(),
  }),
  /**
   * The lung segmentation inside the graph (v2 cards): which output holds the lung probability, the probability at
   * which a pixel counts as lung, and the smallest lung area (fraction of the image) below which the model is taken
   * to have found no lungs, so its verdict is indeterminate.
   */
  segmentation: z
    .looseObject({ id: z.string(), output: z.string().min(1), threshold: z.number().gt(0).lt(1), minAreaFraction: z.number().min(0).max(1) })
    .optional(),
  files: z.looseObject({ model: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
  limitations: z.array(z.string()).optional(),
});

export type ModelCard = z.infer<typeof modelCardSchema>;

export interface ModelRelease {
  card: ModelCard;
  /** Absolute path of the ONNX file. */
  modelPath: string;
  /** The ONNX file's bytes, already checked against the card's sha256. */
  modelBytes: Uint8Array;
}

/** Reads `card.json` and the model it names from a release folder, refusing a model whose hash differs from the card. */
export async function loadModelRelease(releaseDir: string): Promise<ModelRelease> {
  const cardPath = path.join(releaseDir, 'card.json');
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(cardPath, 'utf8'));
  } catch (cause) {
    throw new LungFlowError('MODEL_CARD_UNREADABLE', `Cannot read model card ${cardPath}`, { cause, details: { releaseDir } });
  }
  const parsed = modelCardSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new LungFlowError('MODEL_CARD_INVALID', `Model card ${cardPath} is invalid: ${problems}`, { details: { releaseDir } });
  }
  const card = parsed.data;
  if (!card.classes.some((c) => c.name === card.operatingPoint.className)) {
    throw new LungFlowError('MODEL_CARD_INVALID', `Model card ${cardPath}: operating point class "${card.operatingPoint.className}" is not one of its classes`);
  }
  const band = card.operatingPoint.indeterminate;
  if (band && !(band.low <= card.operatingPoint.threshold && card.operatingPoint.threshold <= band.high)) {
    // A band that does not hold the threshold would make p just above the band positive and p just below negative
    // with an indeterminate stretch elsewhere: a card error, not something to serve.
    throw new LungFlowError('MODEL_CARD_INVALID', `Model card ${cardPath}: indeterminate band [${band.low}, ${band.high}) does not contain the threshold ${card.operatingPoint.threshold}`);
  }
  const modelPath = path.resolve(releaseDir, card.files.model);
  const modelBytes = new Uint8Array(await readFile(modelPath));
  const sha256 = createHash('sha256').update(modelBytes).digest('hex');
  if (sha256 !== card.files.sha256) {
    throw new LungFlowError('MODEL_HASH_MISMATCH', `Model file ${modelPath} has sha256 ${sha256}, but its card says ${card.files.sha256}`, { details: { releaseDir } });
  }
  return { card, modelPath, modelBytes };
}
