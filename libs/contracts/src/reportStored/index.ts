import type { Contract } from '../contract';
import { reportStoredKey } from './key';
import { reportStoredValue } from './value';

export { reportStoredKey } from './key';
export type { ReportStoredKey } from './key';
export { reportStoredValue, REPORT_STORED_SCHEMA_VERSION } from './value';
export type { ReportStored, StoredObject } from './value';

export const reportStored = {
  name: 'report.stored',
  topic: 'reportStored',
  key: reportStoredKey,
  value: reportStoredValue,
  partitionKey: (key) => key.studyInstanceUid,
} as const satisfies Contract<typeof reportStoredKey, typeof reportStoredValue>;
