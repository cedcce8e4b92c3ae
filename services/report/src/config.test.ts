import { backoffDelay } from '@lungflow/errors';
import { loadReportConfig } from './config';

/** The shortest time the default settings wait out a PACS outage before dead-lettering (jitter at its minimum). */
function shortestOutageMs(attempts: number, initialMs: number, maxMs: number): number {
  let total = 0;
  for (let attempt = 1; attempt < attempts; attempt += 1) total += backoffDelay(attempt, { initialMs, maxMs }, () => 0);
  return total;
}

describe('report settings', () => {
  it('wait out a PACS outage of hours by default, not ~2 minutes (issue 16 item 4), and still end', () => {
    const config = loadReportConfig({});
    const waited = shortestOutageMs(config.REPORT_MAX_ATTEMPTS, config.REPORT_RETRY_INITIAL_MS, config.REPORT_RETRY_MAX_MS);
    expect(waited).toBeGreaterThan(4 * 3_600_000);
    expect(Number.isFinite(config.REPORT_MAX_ATTEMPTS)).toBe(true);
  });

  it('bound that wait by a named time window (REPORT_RETRY_WINDOW_MS, 4 h), which the attempts never cut short', () => {
    const config = loadReportConfig({});
    expect(config.REPORT_RETRY_WINDOW_MS).toBe(4 * 3_600_000);
    expect(shortestOutageMs(config.REPORT_MAX_ATTEMPTS, config.REPORT_RETRY_INITIAL_MS, config.REPORT_RETRY_MAX_MS)).toBeGreaterThanOrEqual(config.REPORT_RETRY_WINDOW_MS);
    expect(loadReportConfig({ REPORT_RETRY_WINDOW_MS: '1800000' }).REPORT_RETRY_WINDOW_MS).toBe(1_800_000);
  });
});
