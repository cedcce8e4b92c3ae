import type { Contract } from '../contract';
import { reportStoredV2Key } from './key';
import { reportStoredV2Value } from './value';

export { reportStoredV2Key } from './key';
export { reportStoredV2Value, lesionExtent, REPORT_STORED_V2_SCHEMA_VERSION } from './value';
export type { ReportStoredV2, LesionExtent } from './value';

export const reportStoredV2 = {
  name: 'report.stored.v2',
  topic: 'reportStoredV2',
  key: reportStoredV2Key,
  value: reportStoredV2Value,
  partitionKey: (key) => key.studyInstanceUid,
} as const satisfies Contract<typeof reportStoredV2Key, typeof reportStoredV2Value>;
