import { createHash } from 'node:crypto';
import { deadLetterValue, encodeMessage, studyReceived } from '@lungflow/contracts';
import type { DeadLetter, StudyReceived } from '@lungflow/contracts';
import { LungFlowError, MAX_ATTEMPTS_CEILING } from '@lungflow/errors';
import { studyReceivedFixture } from '../../../test/helpers/studyReceivedFixture';
import { processMessage } from './processMessage';
import type { ProcessOptions, RawMessage } from './processMessage';
import { KafkaJSConnectionError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import { kafkaError } from './kafkaError';

const STUDY = '1.2.826.0.1.3680043.8.498.10';
const value: StudyReceived = studyReceivedFixture(STUDY);

function message(keyText: string | null, valueText: string | Buffer | null): RawMessage {
  return { topic: 't', partition: 2, offset: '41', key: keyText === null ? null : Buffer.from(keyText), value: typeof valueText === 'string' ? Buffer.from(valueText) : valueText, headers: {} };
}
const good = encodeMessage(studyReceived, { studyInstanceUid: STUDY }, value);

function options(handler: ProcessOptions<typeof studyReceived>['handler'], extra: Partial<ProcessOptions<typeof studyReceived>> = {}) {
  const letters: DeadLetter[] = [];
  const waits: number[] = [];
  const opts: ProcessOptions<typeof studyReceived> = {
    contract: studyReceived,
    handler,
    service: 'infer',
    deadLetter: async (_key, letter) => void letters.push(letter),
    backoff: { initialMs: 100, maxMs: 1_000 },
    wait: async (ms) => void waits.push(ms),
    ...extra,
  };
  return { opts, letters, waits };
}

describe('processMessage', () => {
  it('hands the decoded, validated event to the handler', async () => {
    const seen: StudyReceived[] = [];
    const { opts, letters } = options(async (event) => void seen.push(event.value));
    expect(await processMessage(message(good.key, good.value), opts)).toBe('handled');
    expect(seen).toEqual([value]);
    expect(letters).toEqual([]);
  });

  it('retries retriable errors with growing backoff, then succeeds without a dead letter', async () => {
    let calls = 0;
    const { opts, letters, waits } = options(async () => {
      calls += 1;
      if (calls < 4) throw new LungFlowError('PACS_UNREACHABLE', 'down');
    });
    expect(await processMessage(message(good.key, good.value), opts)).toBe('handled');
    expect(calls).toBe(4);
    expect(waits).toHaveLength(3);
    expect(waits[2]).toBeGreaterThanOrEqual(200); // third retry: cap 400 ms, equal jitter keeps at least half
    expect(letters).toEqual([]);
  });

  it('dead-letters an undecodable message at once, keeping its bytes', async () => {
    const handler = jest.fn();
    const { opts, letters } = options(handler);
    expect(await processMessage(message(good.key, 'not json'), opts)).toBe('dead-lettered');
    expect(handler).not.toHaveBeenCalled();
    expect(letters[0]).toMatchObject({ errorCode: 'CONTRACT_INVALID', attempts: 1, service: 'infer', original: { topic: 't', partition: 2, offset: '41', encoding: 'utf8', value: 'not json' } });
  });

  it('keeps non-UTF-8 bytes as base64 in the envelope', async () => {
    const { opts, letters } = options(jest.fn());
    await processMessage(message(good.key, Buffer.from([0xff, 0xfe, 0x00])), opts);
    expect(letters[0].original.encoding).toBe('base64');
    expect(Buffer.from(letters[0].original.value ?? '', 'base64')).toEqual(Buffer.from([0xff, 0xfe, 0x00]));
  });

  it('dead-letters non-retriable errors and programming errors without retrying', async () => {
    const first = options(async () => { throw new LungFlowError('DICOM_MALFORMED', 'instance 1.2.3 is not DICOM'); });
    expect(await processMessage(message(good.key, good.value), first.opts)).toBe('dead-lettered');
    expect(first.letters[0]).toMatchObject({ errorCode: 'DICOM_MALFORMED', reason: 'instance 1.2.3 is not DICOM', attempts: 1 });
    const second = options(async () => { throw new TypeError('x is undefined'); });
    await processMessage(message(good.key, good.value), second.opts);
    expect(second.letters[0].errorCode).toBe('UNEXPECTED');
    expect(second.waits).toEqual([]);
  });

  it('dead-letters a study whose WADO-RS request keeps timing out after 5 timeouts, not after hours (issue 16)', async () => {
    let calls = 0;
    const { opts, letters, waits } = options(async () => {
      calls += 1;
      // Timeouts amid refused connections (a PACS restarting): only the timeouts count towards their cap.
      if (calls % 2 === 0) throw new LungFlowError('DICOMWEB_UNREACHABLE', 'connection refused');
      throw new LungFlowError('DICOMWEB_TIMEOUT', 'GET /dicom-web/studies/1/series/2/instances/3/frames/1: no complete answer from the PACS within 30000 ms');
    });
    expect(await processMessage(message(good.key, good.value), opts)).toBe('dead-lettered');
    expect(calls).toBe(9); // timeouts on calls 1, 3, 5, 7, 9
    expect(waits).toHaveLength(8);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ errorCode: 'DICOMWEB_TIMEOUT', attempts: 9, service: 'infer' });
    expect(letters[0].reason).toContain('no complete answer');
  });

  it('retries a Redis that is restarting (ioredis gave up on the command) instead of dead-lettering at once', async () => {
    let calls = 0;
    const { opts, letters } = options(async () => {
      calls += 1;
      if (calls < 3) throw Object.assign(new Error('Reached the max retries per request limit (which is 2).'), { name: 'MaxRetriesPerRequestError' });
    });
    expect(await processMessage(message(good.key, good.value), opts)).toBe('handled');
    expect(letters).toEqual([]);
  });

  it('gives an unclassified error three attempts before dead-lettering it as UNEXPECTED', async () => {
    let calls = 0;
    const { opts, letters } = options(async () => {
      calls += 1;
      throw new Error('something a library threw');
    });
    expect(await processMessage(message(good.key, good.value), opts)).toBe('dead-lettered');
    expect(calls).toBe(3);
    expect(letters[0]).toMatchObject({ errorCode: 'UNEXPECTED', attempts: 3 });
  });

  it('bounds maxAttempts 0 (no longer "for ever")', async () => {
    let calls = 0;
    const { opts, letters } = options(async () => {
      calls += 1;
      throw new LungFlowError('PACS_UNREACHABLE', 'down');
    }, { maxAttempts: 0 });
    expect(await processMessage(message(good.key, good.value), opts)).toBe('dead-lettered');
    expect(calls).toBe(1_000);
    expect(letters[0]).toMatchObject({ errorCode: 'PACS_UNREACHABLE', attempts: 1_000 });
  });

  it('writes a dead letter Kafka refuses as too large once more, trimmed: no value, its size and sha256 instead (issue 16 item 3)', async () => {
    const tries: DeadLetter[] = [];
    const tooLarge = () => kafkaError('send', Object.assign(new Error('The request included a message larger than the max message size the server will accept'), { name: 'KafkaJSProtocolError', type: 'MESSAGE_TOO_LARGE', retriable: false }));
    // A reason at the contract's limit already, and headers too big to keep: the trimmed letter must still fit.
    const { opts, waits } = options(async () => { throw new LungFlowError('DICOM_MALFORMED', `bad ${'x'.repeat(5_000)}`); }, {
      deadLetter: async (_key, letter) => {
        tries.push(letter);
        if (letter.original.value !== null) throw tooLarge();
      },
    });
    const raw = { ...message(good.key, good.value), headers: { 'lungflow-trace': 'y'.repeat(3_000) } };
    expect(await processMessage(raw, opts)).toBe('dead-lettered');
    expect(tries).toHaveLength(2);
    expect(waits).toEqual([]);
    const sha256 = createHash('sha256').update(Buffer.from(good.value)).digest('hex');
    expect(tries[1]).toMatchObject({
      errorCode: 'DICOM_MALFORMED',
      original: { topic: 't', partition: 2, offset: '41', key: good.key, value: null, headers: {}, truncated: { valueBytes: Buffer.byteLength(good.value), valueSha256: sha256, headersLeftOut: true } },
    });
    expect(tries[1]?.reason).toMatch(/^bad x+ \(original value of \d+ bytes, sha256 [0-9a-f]{12}…, left out of this dead letter; read it at t\/2\/41\)$/);
    expect(() => deadLetterValue.parse(tries[1])).not.toThrow(); // reason within 4,000 characters
    expect(() => deadLetterValue.parse(tries[0])).not.toThrow();
  });

  it('retries a PACS outage for the whole retry window, then dead-letters it saying for how long (issue 16 item 4)', async () => {
    let t = Date.parse('2026-12-03T02:00:00Z');
    let calls = 0;
    const outage = options(
      async () => {
        calls += 1;
        throw new LungFlowError('DICOMWEB_UNREACHABLE', 'POST /dicom-web/studies/1.2: PACS unreachable at pacs:8042 (ECONNREFUSED)');
      },
      // Each attempt takes the backoff wait: the clock moves with the waits.
      { retryWindowMs: 30 * 60_000, backoff: { initialMs: 1_000, maxMs: 30_000 }, now: () => new Date(t), wait: async (ms) => void (t += ms) },
    );
    expect(await processMessage(message(good.key, good.value), outage.opts)).toBe('dead-lettered');
    const letter = outage.letters[0];
    const failedForMs = Date.parse(letter?.lastFailureAt ?? '') - Date.parse(letter?.firstFailureAt ?? '');
    expect(failedForMs).toBeGreaterThanOrEqual(30 * 60_000);
    expect(failedForMs).toBeLessThan(30 * 60_000 + 30_000); // at most one backoff past the window
    expect(calls).toBeLessThan(MAX_ATTEMPTS_CEILING); // the window ended it, not the attempt ceiling
    expect(letter).toMatchObject({ errorCode: 'DICOMWEB_UNREACHABLE', attempts: calls });
    expect(letter?.reason).toMatch(/ECONNREFUSED\) \(still failing after \d+ attempts over 30 min; replay it once the cause is fixed\)$/);

    // An outage shorter than the window costs no dead letter.
    let down = 20;
    const brief = options(async () => { if ((down -= 1) > 0) throw new LungFlowError('DICOMWEB_UNREACHABLE', 'down'); }, { retryWindowMs: 30 * 60_000, backoff: { initialMs: 1_000, maxMs: 30_000 }, now: () => new Date(t), wait: async (ms) => void (t += ms) });
    expect(await processMessage(message(good.key, good.value), brief.opts)).toBe('handled');
    expect(brief.letters).toEqual([]);
  });

  it('gives up on retriable errors after maxAttempts, recording first and last failure', async () => {
    let t = Date.parse('2026-11-26T15:00:00Z');
    const { opts, letters } = options(async () => { throw new LungFlowError('PACS_UNREACHABLE', 'down'); }, { maxAttempts: 3, now: () => new Date((t += 1_000)) });
    expect(await processMessage(message(good.key, good.value), opts)).toBe('dead-lettered');
    expect(letters[0].attempts).toBe(3);
    expect(Date.parse(letters[0].lastFailureAt)).toBeGreaterThan(Date.parse(letters[0].firstFailureAt));
  });

  it('retries the dead letter itself while Kafka refuses it, and stops (uncommitted) when aborted', async () => {
    let tries = 0;
    const { opts } = options(async () => { throw new TypeError('bug'); }, {
      deadLetter: async () => {
        tries += 1;
        if (tries < 3) throw new LungFlowError('KAFKA_UNAVAILABLE', 'no broker');
      },
    });
    expect(await processMessage(message(good.key, good.value), opts)).toBe('dead-lettered');
    expect(tries).toBe(3);
    const controller = new AbortController();
    const aborting = options(async () => { controller.abort(); throw new LungFlowError('PACS_UNREACHABLE', 'down'); }, { signal: controller.signal });
    expect(await processMessage(message(good.key, good.value), aborting.opts)).toBe('aborted');
  });
});

describe('kafkaError', () => {
  it('treats broker connection failures as retriable', () => {
    const connection = Object.assign(new Error('Connection error: ECONNREFUSED'), { name: 'KafkaJSConnectionError' });
    expect(kafkaError('send', connection).retriable).toBe(true);
    expect(kafkaError('send', new TypeError('bad')).retriable).toBe(false);
    expect(kafkaError('send', Object.assign(new Error('too big'), { name: 'KafkaJSProtocolError', type: 'MESSAGE_TOO_LARGE', retriable: false })).code).toBe('KAFKA_MESSAGE_TOO_LARGE');
  });

  it('looks down the cause chain: a refused connection wrapped by kafkajs\'s retrier is retriable (issue 16)', () => {
    // What EventProducer.send threw in the soak (seed 20261202) while the broker restarted; dead-lettered as
    // KAFKA_REFUSED before, so three analysed studies never got their SR.
    const refused = new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:19092');
    // As kafkajs's retrier builds it (src/retry/index.js): `new KafkaJSNonRetriableError(e, { cause: e.cause || e })`;
    // its type declarations leave out the second argument.
    const Wrapper = KafkaJSNonRetriableError as unknown as new (e: Error, metadata: { cause: Error }) => Error;
    const wrapped = new Wrapper(refused, { cause: refused });
    expect(wrapped).toMatchObject({ name: 'KafkaJSNonRetriableError', retriable: false });
    expect(kafkaError('send to lungflow.inference.completed.v1', wrapped)).toMatchObject({ code: 'KAFKA_UNAVAILABLE', retriable: true });
    expect(kafkaError('send', new KafkaJSNumberOfRetriesExceeded(refused, { retryCount: 5, retryTime: 300 })).retriable).toBe(true);
    expect(kafkaError('send', Object.assign(new Error('x'), { cause: Object.assign(new Error('socket'), { code: 'ECONNRESET' }) })).retriable).toBe(true);
    // A refusal kafkajs itself calls final stays final.
    const protocol = new KafkaJSProtocolError(Object.assign(new Error('The coordinator is not aware of this member'), { type: 'UNKNOWN_MEMBER_ID', code: 25, retriable: false }));
    const unknownMember = new Wrapper(protocol, { cause: protocol });
    expect(kafkaError('commit', unknownMember).code).toBe('KAFKA_REFUSED');
  });
});
