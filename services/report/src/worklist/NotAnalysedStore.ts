import type { DeadLetter } from '@lungflow/contracts';
import type { Redis } from '@lungflow/redis';

/** A study LungFlow gave up on: shown on the worklist as "not analysed", because unanalysed is not negative. */
export interface NotAnalysed {
  studyInstanceUid: string;
  /** The dead letter's reason (names objects by UID only) and error code. */
  reason: string;
  errorCode: string;
  /** The service (consumer group) that gave up. */
  service: string;
  failedAt: string;
}

const KEY = 'notanalysed';
const UID = /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/;

/** The StudyInstanceUID a dead letter is about: from the original key (study-scoped topics) or value. */
export function studyOfDeadLetter(letter: DeadLetter): string | undefined {
  if (letter.original.encoding !== 'utf8') return undefined;
  for (const text of [letter.original.key, letter.original.value]) {
    if (!text) continue;
    try {
      const uid = (JSON.parse(text) as { studyInstanceUid?: unknown }).studyInstanceUid;
      if (typeof uid === 'string' && uid.length <= 64 && UID.test(uid)) return uid;
    } catch {
      // Not JSON (an undecodable message): nothing names a study.
    }
  }
  return undefined;
}

/** Redis hash `notanalysed` (field StudyInstanceUID, value JSON), under the report service's key prefix. */
export class NotAnalysedStore {
  constructor(private readonly redis: Redis) {}

  async record(entry: NotAnalysed): Promise<void> {
    await this.redis.hset(KEY, entry.studyInstanceUid, JSON.stringify(entry));
  }

  async list(): Promise<NotAnalysed[]> {
    const all = await this.redis.hvals(KEY);
    return all.map((text) => JSON.parse(text) as NotAnalysed).sort((a, b) => (a.failedAt < b.failedAt ? 1 : -1));
  }
}
