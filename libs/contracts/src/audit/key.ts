export { studyKey as auditEventKey } from '../common';
export type { StudyKey as AuditEventKey } from '../common';
