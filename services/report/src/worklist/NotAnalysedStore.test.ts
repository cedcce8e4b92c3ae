import type { DeadLetter } from '@lungflow/contracts';
import { createLogger } from '@lungflow/logging';
import { handleDeadLetter } from '../handlers/deadLetter';
import { studyOfDeadLetter, type NotAnalysed } from './NotAnalysedStore';

const STUDY = '1.2.826.0.1.3680043.8.498.77';

function letter(key: string | null, value: string | null, encoding: 'utf8' | 'base64' = 'utf8'): DeadLetter {
  return {
    schemaVersion: 1,
    original: { topic: 'lungflow.study.received.v1', partition: 0, offset: '5', encoding, key, value, headers: {} },
    errorCode: 'PACS_NOT_FOUND',
    reason: `instance of study ${STUDY} is gone from the PACS`,
    service: 'lungflow-infer',
    attempts: 1,
    firstFailureAt: '2026-12-02T10:00:00.000Z',
    lastFailureAt: '2026-12-02T10:00:01.000Z',
  };
}

describe('not analysed, from dead letters', () => {
  it('finds the study in the original key or value, and nothing in an undecodable or foreign message', () => {
    expect(studyOfDeadLetter(letter(JSON.stringify({ studyInstanceUid: STUDY }), 'garbage'))).toBe(STUDY);
    expect(studyOfDeadLetter(letter(null, JSON.stringify({ studyInstanceUid: STUDY, studyVersion: 1 })))).toBe(STUDY);
    expect(studyOfDeadLetter(letter('not json', '{"studyInstanceUid":"<script>"}'))).toBeUndefined();
    expect(studyOfDeadLetter(letter(Buffer.from(JSON.stringify({ studyInstanceUid: STUDY })).toString('base64'), null, 'base64'))).toBeUndefined();
  });

  it('records the reason, code, service and time of the failure', async () => {
    const recorded: NotAnalysed[] = [];
    const handler = handleDeadLetter({ notAnalysed: { record: async (entry) => void recorded.push(entry) }, logger: createLogger({ service: 'test', level: 'silent' }) });
    await handler({ key: { topic: 'x', partition: 0, offset: '5' }, value: letter(JSON.stringify({ studyInstanceUid: STUDY }), null) }, {} as never);
    await handler({ key: { topic: 'x', partition: 0, offset: '6' }, value: letter(null, 'not json') }, {} as never);
    expect(recorded).toEqual([{ studyInstanceUid: STUDY, reason: `instance of study ${STUDY} is gone from the PACS`, errorCode: 'PACS_NOT_FOUND', service: 'lungflow-infer', failedAt: '2026-12-02T10:00:01.000Z' }]);
  });
});
