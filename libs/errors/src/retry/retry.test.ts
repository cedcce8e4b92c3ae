import { LungFlowError } from '../LungFlowError';
import { MAX_ATTEMPTS_CEILING, UNKNOWN_ERROR_ATTEMPTS, backoffDelay, classifyFailure, errorCodeOf, parseRetryAfter, retryDelay, shouldRetry } from './index';

/** What ioredis throws when it gave up on a command while the server was down (ioredis 5 MaxRetriesPerRequestError). */
function ioredisGaveUp(): Error {
  const error = new Error('Reached the max retries per request limit (which is 2). Refer to "maxRetriesPerRequest" option for details.');
  error.name = 'MaxRetriesPerRequestError';
  return error;
}

function redisReply(message: string): Error {
  const error = new Error(message);
  error.name = 'ReplyError';
  return error;
}

describe('classifyFailure', () => {
  it('follows the catalogue for LungFlow errors', () => {
    expect(classifyFailure(new LungFlowError('DICOMWEB_UNREACHABLE', 'down'))).toBe('transient');
    expect(classifyFailure(new LungFlowError('DICOM_MALFORMED', 'bad bytes'))).toBe('permanent');
  });

  it('recognises Redis restarting and dropped connections as transient', () => {
    expect(classifyFailure(ioredisGaveUp())).toBe('transient');
    expect(classifyFailure(new Error('Connection is closed.'))).toBe('transient');
    expect(classifyFailure(redisReply('LOADING Redis is loading the dataset in memory'))).toBe('transient');
    expect(classifyFailure(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' }))).toBe('transient');
    expect(classifyFailure(new Error('outer', { cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }) }))).toBe('transient');
    expect(errorCodeOf(ioredisGaveUp())).toBe('REDIS_UNAVAILABLE');
    expect(errorCodeOf(Object.assign(new Error('x'), { code: 'ETIMEDOUT' }))).toBe('CONNECTION_LOST');
  });

  it('calls bugs bugs, and a Redis WRONGTYPE answer unknown rather than transient', () => {
    expect(classifyFailure(new TypeError("Cannot read properties of undefined (reading 'x')"))).toBe('programming');
    expect(classifyFailure(new RangeError('Invalid array length'))).toBe('programming');
    expect(classifyFailure(redisReply('WRONGTYPE Operation against a key holding the wrong kind of value'))).toBe('unknown');
    expect(errorCodeOf(new Error('?'))).toBe('UNEXPECTED');
  });
});

describe('shouldRetry', () => {
  it('never retries permanent or programming errors', () => {
    expect(shouldRetry(new LungFlowError('CONTRACT_INVALID', 'bad'), 1)).toBe(false);
    expect(shouldRetry(new TypeError('bug'), 1)).toBe(false);
  });

  it('gives unknown errors a few attempts, not one and not for ever', () => {
    const unknown = new Error('something a library threw');
    const attempts = [1, 2, 3, 4].map((attempt) => shouldRetry(unknown, attempt));
    expect(attempts).toEqual([true, true, false, false]);
    expect(UNKNOWN_ERROR_ATTEMPTS).toBe(3);
  });

  it('bounds transient retries: 0 and Infinity mean the ceiling, never for ever', () => {
    const down = new LungFlowError('KAFKA_UNAVAILABLE', 'down');
    expect(shouldRetry(down, 4, 5)).toBe(true);
    expect(shouldRetry(down, 5, 5)).toBe(false);
    for (const setting of [0, Infinity, -1]) {
      expect(shouldRetry(down, MAX_ATTEMPTS_CEILING - 1, setting)).toBe(true);
      expect(shouldRetry(down, MAX_ATTEMPTS_CEILING, setting)).toBe(false);
    }
    expect(shouldRetry(down, MAX_ATTEMPTS_CEILING, 10 * MAX_ATTEMPTS_CEILING)).toBe(false);
  });
  it('gives up a request that keeps timing out after its code\'s cap (issue 16: a WADO-RS timeout retried for ever)', () => {
    const timeout = new LungFlowError('DICOMWEB_TIMEOUT', 'no complete answer within 30000 ms');
    expect([1, 2, 3, 4, 5].map((attempt) => shouldRetry(timeout, attempt))).toEqual([true, true, true, true, false]);
    expect(shouldRetry(timeout, 5, 0)).toBe(false); // "0: the ceiling" does not lift the code's own cap
    // Timeouts are counted apart from other failures: 2 timeouts amid an hour of refused connections is not 5.
    expect(shouldRetry(timeout, 200, MAX_ATTEMPTS_CEILING, 2)).toBe(true);
    expect(shouldRetry(new LungFlowError('DICOMWEB_UNREACHABLE', 'down'), 200)).toBe(true);
  });
});

describe('shouldRetry with a time window', () => {
  it('retries a transient failure while the message has failed for less than the window, then gives up (issue 16 item 4)', () => {
    const down = new LungFlowError('DICOMWEB_UNREACHABLE', 'down');
    const window = (failingForMs: number) => ({ failingForMs, maxMs: 30 * 60_000 });
    expect(shouldRetry(down, 40, MAX_ATTEMPTS_CEILING, 40, window(29 * 60_000))).toBe(true);
    expect(shouldRetry(down, 41, MAX_ATTEMPTS_CEILING, 41, window(30 * 60_000))).toBe(false);
    // The attempt ceiling still holds inside the window, and the window does not touch bad input or unknown errors.
    expect(shouldRetry(down, MAX_ATTEMPTS_CEILING, MAX_ATTEMPTS_CEILING, 1, window(0))).toBe(false);
    expect(shouldRetry(new LungFlowError('DICOM_MALFORMED', 'bad'), 1, MAX_ATTEMPTS_CEILING, 1, window(0))).toBe(false);
    expect(shouldRetry(new Error('?'), 2, MAX_ATTEMPTS_CEILING, 2, window(31 * 60_000))).toBe(true);
  });
});

describe('backoffDelay and retryDelay', () => {
  it('grows exponentially to its cap, with jitter between half and all of it', () => {
    const policy = { initialMs: 100, maxMs: 1_000 };
    expect([1, 2, 3, 4, 5, 60].map((attempt) => backoffDelay(attempt, policy, () => 1))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    expect(backoffDelay(3, policy, () => 0)).toBe(200);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(300);
    expect(backoffDelay(5000, policy, () => 1)).toBe(1_000); // no Infinity / NaN for huge attempt numbers
  });

  it('waits as long as a Retry-After asks, up to 10 minutes', () => {
    const policy = { initialMs: 100, maxMs: 1_000 };
    const throttled = new LungFlowError('DICOMWEB_THROTTLED', '429', { details: { retryAfterMs: 7_000 } });
    expect(retryDelay(throttled, 1, policy, () => 1)).toBe(7_000);
    expect(retryDelay(new LungFlowError('DICOMWEB_THROTTLED', '429', { details: { retryAfterMs: 86_400_000 } }), 1, policy)).toBe(600_000);
    expect(retryDelay(new LungFlowError('DICOMWEB_HTTP_5XX', '500'), 1, policy, () => 1)).toBe(100);
    expect(parseRetryAfter('120')).toBe(120_000);
    expect(parseRetryAfter('Wed, 02 Dec 2026 16:00:30 GMT', Date.parse('Wed, 02 Dec 2026 16:00:00 GMT'))).toBe(30_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});
