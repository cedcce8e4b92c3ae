import { z } from 'zod';

const code = z.object({ value: z.string(), scheme: z.string(), meaning: z.string() });

/**
 * The one schema of a release's `card.json`. Everything serving decides (classes, input size, windowing,
 * threshold) comes from here, so a new model release needs no code change. Unknown fields are kept. It lives here,
 * apart from onnxruntime (libs/inference loads the model it names), so the report service and the CLI read the
 * same card as the model does.
 */
export const modelCardSchema = z.looseObject({
  id: z.string(),
  version: z.string(),
  task: z.enum(['cxr', 'ct']),
  intendedUse: z.string().optional(),
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

/**
 * The part of the same card that writing a result needs (class codes for the SR, the CT window under the heatmap,
 * display names and limitations for the study view): a pick of modelCardSchema, not a second schema, so a field
 * changed there changes here.
 */
export const resultCardSchema = modelCardSchema.pick({ id: true, version: true, task: true, intendedUse: true, classes: true, preprocessing: true, limitations: true });

export type ResultCard = z.infer<typeof resultCardSchema>;
