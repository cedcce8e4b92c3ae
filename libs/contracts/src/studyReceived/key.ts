export { studyKey as studyReceivedKey } from '../common';
export type { StudyKey as StudyReceivedKey } from '../common';
