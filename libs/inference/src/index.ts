export { loadModelRelease, modelCardSchema } from './modelCard';
export type { ModelCard, ModelRelease } from './modelCard';
export { OnnxClassifier } from './OnnxClassifier';
export type { Classification, ExecutionProvider, OnnxClassifierOptions } from './OnnxClassifier';
export { MicroBatcher } from './MicroBatcher';
export type { MicroBatcherOptions } from './MicroBatcher';
