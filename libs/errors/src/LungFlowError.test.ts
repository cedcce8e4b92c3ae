import { ConfigError, LungFlowError, isRetriable } from './index';

describe('LungFlowError', () => {
  it('keeps code, details and cause, and takes its retriable flag from the catalogue', () => {
    const cause = new Error('ECONNREFUSED');
    const error = new LungFlowError('PACS_UNREACHABLE', 'PACS did not answer', { cause, details: { studyUid: '1.2.3' } });
    expect(error.code).toBe('PACS_UNREACHABLE');
    expect(error.cause).toBe(cause);
    expect(error.name).toBe('LungFlowError');
    expect(isRetriable(error)).toBe(true);
    expect(isRetriable(new LungFlowError('PACS_REFUSED', 'no'))).toBe(false);
    expect(error.toJSON()).toMatchObject({ code: 'PACS_UNREACHABLE', retriable: true, details: { studyUid: '1.2.3' } });
  });

  it('never retries configuration or programming errors', () => {
    expect(isRetriable(new ConfigError('bad'))).toBe(false);
    expect(isRetriable(new TypeError('bug'))).toBe(false);
    expect(new ConfigError('bad')).toBeInstanceOf(LungFlowError);
  });
});
