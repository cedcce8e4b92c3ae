export { DeadLetterTopic, DEAD_LETTER_REVIEWED_GROUP, isReplayable, matchesDeadLetter } from './DeadLetterTopic';
export type { DeadLetterBacklog, DeadLetterFilter, StoredDeadLetter } from './DeadLetterTopic';
