import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { modelCardSchema, type ModelCard } from '@lungflow/results';
import { LungFlowError } from '@lungflow/errors';

// The card's schema lives in @lungflow/results (no onnxruntime), so report and CLI read the card the model is served by.
export { modelCardSchema, type ModelCard };

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
