import { ConfigError, LungFlowError, isRetriable } from './index';

describe('LungFlowError', () => {
  it('keeps code, retriable flag, details and cause', () => {
    const cause = new Error('ECONNREFUSED');
    const error = new LungFlowError('PACS_UNREACHABLE', 'PACS did not answer', { retriable: true, cause, details: { studyUid: '1.2.3' } });
    expect(error.code).toBe('PACS_UNREACHABLE');
    expect(error.cause).toBe(cause);
    expect(error.name).toBe('LungFlowError');
    expect(isRetriable(error)).toBe(true);
    expect(error.toJSON()).toMatchObject({ code: 'PACS_UNREACHABLE', details: { studyUid: '1.2.3' } });
  });

  it('never retries configuration or unknown errors', () => {
    expect(isRetriable(new ConfigError('bad'))).toBe(false);
    expect(isRetriable(new TypeError('bug'))).toBe(false);
    expect(new ConfigError('bad')).toBeInstanceOf(LungFlowError);
  });
});
