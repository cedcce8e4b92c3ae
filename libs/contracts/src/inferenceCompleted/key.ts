export { studyKey as inferenceCompletedKey } from '../common';
export type { StudyKey as InferenceCompletedKey } from '../common';
