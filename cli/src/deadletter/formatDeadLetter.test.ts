import { isReplayable, type StoredDeadLetter } from '@lungflow/kafka';
import { formatDeadLetter } from './formatDeadLetter';

/** A dead letter that processMessage trimmed because quoting its 3 MB original was too big for the topic. */
const trimmed: StoredDeadLetter = {
  partition: 0,
  offset: '7',
  timestampMs: Date.parse('2026-12-03T05:00:00Z'),
  deadLetter: {
    schemaVersion: 1,
    original: {
      topic: 'lungflow.study.received.v1',
      partition: 4,
      offset: '123',
      encoding: 'utf8',
      key: '{"studyInstanceUid":"1.2.3"}',
      value: null,
      headers: {},
      truncated: { valueBytes: 3_000_000, valueSha256: 'ab'.repeat(32) },
    },
    errorCode: 'DICOM_MALFORMED',
    reason: 'bad (original value of 3000000 bytes, sha256 abababababab…, left out of this dead letter; read it at lungflow.study.received.v1/4/123)',
    service: 'lungflow-infer',
    attempts: 1,
    firstFailureAt: '2026-12-03T05:00:00.000Z',
    lastFailureAt: '2026-12-03T05:00:00.000Z',
  },
};

describe('a trimmed dead letter (issue 16 item 3)', () => {
  it('is shown with the size and hash of the original it left out', () => {
    expect(formatDeadLetter(trimmed)).toMatch(/value +\(left out: 3000000 bytes, sha256 (ab){32}; too big for the dead-letter topic/);
  });

  it('is not replayed as an empty message; a whole one is', () => {
    expect(isReplayable(trimmed)).toBe(false);
    const whole = { ...trimmed, deadLetter: { ...trimmed.deadLetter!, original: { ...trimmed.deadLetter!.original, value: '{}', truncated: undefined } } };
    delete whole.deadLetter.original.truncated;
    expect(isReplayable(whole)).toBe(true);
    expect(isReplayable({ ...trimmed, deadLetter: null, invalid: 'not JSON' })).toBe(false);
  });
});
