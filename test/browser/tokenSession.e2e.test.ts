import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { BrowserContext } from 'playwright-core';
import { launchChromium } from '../helpers/chromium';
import { createLogger } from '@lungflow/logging';
import { build, type ReportService } from '../../services/report/src/app';
import { loadReportConfig } from '../../services/report/src/config';
import { hasSharedData } from '../helpers/paths';
import { stackSettings } from '../helpers/stackSettings';
import { pacs, reportUrl, stackIsUp, waitUntil, wrappedStudy, type E2eStudy } from '../e2e/pipelineHelpers';

/**
 * Issue 16, item 4: the worklist token must not travel in image and event-stream URLs, where request logs, proxies
 * and browser history keep it. A report replica with REPORT_API_TOKEN (on the stack's Redis, so the stack's report
 * fills its worklist from a real study) serves the page; Chromium opens the link `/#access_token=...`. Every request
 * the browser sends is recorded: none may carry the token in its URL (what a proxy's access log would keep), and the
 * service's log lines must not hold it; the pictures and the live stream must still work, on an HttpOnly, SameSite=Strict cookie
 * scoped to /api/v1, and the address bar must have forgotten the token.
 */
jest.setTimeout(240_000);

const TOKEN = `tok-${randomUUID()}`;

describe('the page signs in with a session cookie, never a token in a URL', () => {
  let browser: BrowserContext;
  let replica: ReportService;
  let url: string;
  let study: E2eStudy;
  const logLines: string[] = [];

  beforeAll(async () => {
    if (!hasSharedData()) throw new Error('../shared/data is missing (set LUNGFLOW_SHARED_DIR)');
    if (!(await stackIsUp())) throw new Error('the local stack with its services is not up: run `npm run stack:up` first');
    const stack = stackSettings();
    const config = loadReportConfig({
      REDIS_URL: stack.redisUrl,
      KAFKA_BROKERS: stack.kafkaBrokers.join(','),
      DICOMWEB_URL: stack.dicomwebUrl,
      DICOMWEB_USERNAME: stack.username,
      DICOMWEB_PASSWORD: stack.password,
      REPORT_API_TOKEN: TOKEN,
      LOG_LEVEL: 'info',
    });
    const logger = createLogger({ service: 'report-token-test', level: 'info', destination: { write: (line: string) => void logLines.push(line) } });
    replica = await build(config, { consume: false, logger });
    await replica.start();
    await replica.app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(replica.app.server.address() as AddressInfo).port}`;

    study = await wrappedStudy('browser-token', 'cxr/rsna_normal/images/01027bc3-dc40-4165-a6c3-d6be2cb7ca34.png', 'DX');
    await pacs().storeInstances(study.instances, study.studyUid);
    await waitUntil('the study on the worklist', Date.now() + 150_000, async () => {
      const { items } = (await (await fetch(`${reportUrl()}/api/v1/worklist`)).json()) as { items: Array<{ studyInstanceUid: string }> };
      return items.some((item) => item.studyInstanceUid === study.studyUid) ? true : undefined;
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await replica?.stop();
  });

  it('loads the list, the pictures and the live stream on the cookie; no URL and no log line holds the token', async () => {
    const page = await browser.newPage();
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));

    await page.goto(`${url}/#access_token=${encodeURIComponent(TOKEN)}`);
    await page.waitForSelector(`tr[data-study="${study.studyUid}"]`, { timeout: 60_000 });
    await page.waitForFunction(() => document.querySelector('#live')?.textContent?.includes('live'), undefined, { timeout: 30_000 });
    // Row pictures load lazily, and a normal study sorts low on a long worklist: bring the row on screen first.
    await page.locator(`tr[data-study="${study.studyUid}"]`).scrollIntoViewIfNeeded();
    await page.waitForFunction((uid) => {
      const img = document.querySelector<HTMLImageElement>(`tr[data-study="${uid}"] img.heatmap`);
      return !!img && img.complete && img.naturalWidth > 0;
    }, study.studyUid, { timeout: 60_000 });
    // The study view's large pictures, rendered from the PACS, also come on the cookie.
    await page.click(`tr[data-study="${study.studyUid}"]`);
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('#study-heatmap');
      return !!img && img.complete && img.naturalWidth > 0;
    }, undefined, { timeout: 60_000 });

    expect(page.url()).toBe(`${url}/`);
    const pictures = requested.filter((u) => /\/api\/v1\/studies\/[^/]+\/(image|heatmap)\.png/.test(u));
    expect(pictures.length).toBeGreaterThanOrEqual(3);
    expect(requested.some((u) => u.endsWith('/api/v1/events'))).toBe(true);
    // A fragment never leaves the browser (the navigation may still be reported with it): compare what is sent.
    const sent = requested.map((u) => u.split('#')[0]!);
    expect(sent.filter((u) => u.includes('access_token') || u.includes(TOKEN))).toEqual([]);

    const cookies = await browser.cookies(`${url}/api/v1/events`);
    expect(cookies).toHaveLength(1);
    // Scoped to the API: the page itself and its static files never carry it.
    expect(await browser.cookies(`${url}/`)).toEqual([]);
    expect(cookies[0]).toMatchObject({ name: 'lungflow_session', httpOnly: true, sameSite: 'Strict', path: '/api/v1', secure: false });
    expect(cookies[0]!.value).not.toContain(TOKEN);
    // Page scripts cannot read it.
    expect(await page.evaluate(() => document.cookie)).toBe('');

    // The service's own request lines carry no URL (libs/logging), so `sent` above, what a proxy or an ingress would
    // log, is the check that matters; the service's lines must not hold the token either.
    const logText = logLines.join('');
    expect(logText).toContain('incoming request');
    expect(logText).not.toContain(TOKEN);
    expect(logText).not.toContain('access_token');
    expect(errors).toEqual([]);
  });

  it('still opens an old link with ?access_token=, and drops it from the address bar', async () => {
    const page = await browser.newPage();
    await browser.clearCookies();
    await page.goto(`${url}/?access_token=${encodeURIComponent(TOKEN)}&modality=DX`);
    await page.waitForSelector(`tr[data-study="${study.studyUid}"]`, { timeout: 60_000 });
    expect(page.url()).toBe(`${url}/?modality=DX`);
    expect((await browser.cookies(`${url}/api/v1/worklist`)).map((c) => c.name)).toEqual(['lungflow_session']);
  });

  it('says so when the token is wrong, and shows no rows', async () => {
    const page = await browser.newPage();
    await browser.clearCookies();
    await page.goto(`${url}/#access_token=not-the-token`);
    await page.waitForFunction(() => document.querySelector('#summary')?.textContent?.includes('Sign-in failed'), undefined, { timeout: 30_000 });
    expect(await page.locator('#worklist tbody tr').count()).toBe(0);
  });
});
