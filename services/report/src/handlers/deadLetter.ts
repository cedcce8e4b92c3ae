import type { deadLetter } from '@lungflow/contracts';
import type { EventHandler } from '@lungflow/kafka';
import type { Logger } from '@lungflow/logging';
import { studyOfDeadLetter, type NotAnalysedStore } from '../worklist/NotAnalysedStore';

/**
 * `lungflow.deadletter.v1` → the worklist's "not analysed" list. Letters that name no study (an undecodable
 * message) are skipped; a study that later gets a result shows its result instead (the API prefers the worklist).
 */
export function handleDeadLetter(deps: { notAnalysed: Pick<NotAnalysedStore, 'record'>; logger: Logger }): EventHandler<typeof deadLetter> {
  return async ({ value: letter }) => {
    const studyInstanceUid = studyOfDeadLetter(letter);
    if (!studyInstanceUid) return;
    await deps.notAnalysed.record({ studyInstanceUid, reason: letter.reason, errorCode: letter.errorCode, service: letter.service, failedAt: letter.lastFailureAt });
    deps.logger.info({ studyInstanceUid, errorCode: letter.errorCode, service: letter.service }, 'study listed as not analysed');
  };
}
