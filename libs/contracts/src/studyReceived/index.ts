import type { Contract } from '../contract';
import { studyReceivedKey } from './key';
import { studyReceivedValue } from './value';

export { studyReceivedKey } from './key';
export type { StudyReceivedKey } from './key';
export { studyReceivedValue, receivedSeries, receivedInstance, STUDY_RECEIVED_SCHEMA_VERSION } from './value';
export type { StudyReceived, StudyReceivedSeries, StudyReceivedInstance } from './value';

export const studyReceived = {
  name: 'study.received',
  topic: 'studyReceived',
  key: studyReceivedKey,
  value: studyReceivedValue,
  partitionKey: (key) => key.studyInstanceUid,
} as const satisfies Contract<typeof studyReceivedKey, typeof studyReceivedValue>;
