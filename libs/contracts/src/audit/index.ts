import type { Contract } from '../contract';
import { auditEventKey } from './key';
import { auditEventValue } from './value';

export { auditEventKey } from './key';
export type { AuditEventKey } from './key';
export { auditEventValue, AUDIT_EVENT_SCHEMA_VERSION } from './value';
export type { AuditEvent } from './value';

export const auditEvent = {
  name: 'audit',
  topic: 'audit',
  key: auditEventKey,
  value: auditEventValue,
  partitionKey: (key) => key.studyInstanceUid,
} as const satisfies Contract<typeof auditEventKey, typeof auditEventValue>;
