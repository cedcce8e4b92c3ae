export { studyKey as reportStoredKey } from '../common';
export type { StudyKey as ReportStoredKey } from '../common';
