import type { Contract } from '../contract';
import { deadLetterKey } from './key';
import { deadLetterValue } from './value';

export { deadLetterKey } from './key';
export type { DeadLetterKey } from './key';
export { deadLetterValue, DEAD_LETTER_SCHEMA_VERSION } from './value';
export type { DeadLetter } from './value';

export const deadLetter = {
  name: 'deadletter',
  topic: 'deadLetter',
  key: deadLetterKey,
  value: deadLetterValue,
  partitionKey: (key) => `${key.topic}/${key.partition}/${key.offset}`,
} as const satisfies Contract<typeof deadLetterKey, typeof deadLetterValue>;
