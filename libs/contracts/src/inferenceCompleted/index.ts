import type { Contract } from '../contract';
import { inferenceCompletedKey } from './key';
import { inferenceCompletedValue } from './value';

export { inferenceCompletedKey } from './key';
export type { InferenceCompletedKey } from './key';
export { inferenceCompletedValue, instanceResult, activationMap, modelIdentity, decision, INFERENCE_COMPLETED_SCHEMA_VERSION } from './value';
export type { InferenceCompleted, InstanceResult, ActivationMap, ModelIdentity } from './value';
export { ctSeriesLungs, lesionFindings, packedMask, packMask, unpackMask } from './lesions';
export type { CtSeriesLungsMessage, LesionFindingsMessage, BitMask } from './lesions';

export const inferenceCompleted = {
  name: 'inference.completed',
  topic: 'inferenceCompleted',
  key: inferenceCompletedKey,
  value: inferenceCompletedValue,
  partitionKey: (key) => key.studyInstanceUid,
} as const satisfies Contract<typeof inferenceCompletedKey, typeof inferenceCompletedValue>;
