import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../helpers/chromium';
import { hasSharedData, REPO_ROOT } from '../helpers/paths';
import { pacs, reportUrl, stackIsUp, waitUntil, wrappedStudy, type E2eStudy } from '../e2e/pipelineHelpers';

/**
 * The worklist page in real headless Chromium against the running report service (`npm run stack:up`), with real
 * studies sent through the whole pipeline: rows in the API's priority order with thumbnails and heatmaps, a result
 * arriving while the page is open appears without a reload, the study view shows the heatmap, probabilities and the
 * model's limitations. Screenshots go to test-output/.
 */
jest.setTimeout(180_000);

const OUTPUT = join(REPO_ROOT, 'test-output');

async function apiOrder(): Promise<string[]> {
  const { items } = (await (await fetch(`${reportUrl()}/api/v1/worklist`)).json()) as { items: Array<{ studyInstanceUid: string }> };
  return items.map((item) => item.studyInstanceUid);
}

async function waitListed(study: E2eStudy): Promise<void> {
  await waitUntil(`${study.label} on the worklist`, Date.now() + 120_000, async () => ((await apiOrder()).includes(study.studyUid) ? true : undefined));
}

async function imageLoaded(page: Page, selector: string): Promise<boolean> {
  await page.waitForFunction((s) => {
    const img = document.querySelector<HTMLImageElement>(s);
    return !!img && img.complete && img.naturalWidth > 0;
  }, selector, { timeout: 60_000 });
  return true;
}

describe('the worklist page in Chromium', () => {
  let browser: BrowserContext;
  let first: E2eStudy;
  let second: E2eStudy;

  beforeAll(async () => {
    if (!hasSharedData()) throw new Error('../shared/data is missing (set LUNGFLOW_SHARED_DIR)');
    if (!(await stackIsUp())) throw new Error('the local stack with its services is not up: run `npm run stack:up` first');
    mkdirSync(OUTPUT, { recursive: true });
    first = await wrappedStudy('browser-covid', 'cxr/ieee8023/images/auntminnie-b-2020_01_28_23_51_6665_2020_01_28_Vietnam_coronavirus.jpeg', 'CR');
    second = await wrappedStudy('browser-normal', 'cxr/rsna_normal/images/01027bc3-dc40-4165-a6c3-d6be2cb7ca34.png', 'DX');
    await pacs().storeInstances(first.instances, first.studyUid);
    await waitListed(first);
    browser = await launchChromium({
      viewport: { width: 1400, height: 1000 },
    });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('shows real studies in priority order, updates live, and opens a study with its heatmap', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${reportUrl()}/`);
    await page.waitForSelector(`tr[data-study="${first.studyUid}"]`, { timeout: 30_000 });
    await page.waitForFunction(() => document.querySelector('#live')?.textContent?.includes('live'), undefined, { timeout: 30_000 });

    // A result that arrives while the page is open shows up without a reload (Server-Sent Events).
    await pacs().storeInstances(second.instances, second.studyUid);
    await page.waitForSelector(`tr[data-study="${second.studyUid}"]`, { timeout: 120_000 });

    // The page's order is the API's priority order (a change may land in between: retry once it settles).
    await waitUntil('the page to match the API order', Date.now() + 20_000, async () => {
      const shown = await page.$$eval('#worklist tbody tr', (rows) => rows.map((row) => row.getAttribute('data-study')));
      const expected = await apiOrder();
      return JSON.stringify(shown) === JSON.stringify(expected) ? true : undefined;
    });
    for (const study of [first, second]) {
      // Row pictures load lazily: bring the row on screen as a reader would.
      await page.locator(`tr[data-study="${study.studyUid}"]`).scrollIntoViewIfNeeded();
      await imageLoaded(page, `tr[data-study="${study.studyUid}"] img.thumbnail`);
      await imageLoaded(page, `tr[data-study="${study.studyUid}"] img.heatmap`);
    }
    await page.screenshot({ path: join(OUTPUT, 'worklist.png') }); // the top of the list, as a reader sees it

    await page.click(`tr[data-study="${first.studyUid}"]`);
    await page.waitForSelector('#study:not([hidden])');
    await imageLoaded(page, '#study-image');
    await imageLoaded(page, '#study-heatmap');
    expect(await page.textContent('#study-title')).toContain(first.studyUid);
    const probabilities = await page.$$eval('#study-probabilities tr', (rows) => rows.map((row) => row.getAttribute('data-class')));
    expect(probabilities.sort()).toEqual(['covid19', 'no_finding', 'other_pneumonia']);
    expect(await page.$$eval('#study-limitations li', (items) => items.length)).toBeGreaterThan(0);
    expect(await page.getAttribute('#study-links a >> nth=0', 'href')).toMatch(/\/dicom-web\/studies\/[0-9.]+\/series\/[0-9.]+\/instances\/[0-9.]+$/);
    await page.screenshot({ path: join(OUTPUT, 'study.png'), fullPage: true });
    expect(errors).toEqual([]);
  });
});
