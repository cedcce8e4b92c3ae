import type { BrowserContext } from 'playwright-core';
import { launchChromium } from '../helpers/chromium';
import { hasSharedData } from '../helpers/paths';
import { pacs, reportUrl, stackIsUp, waitUntil, wrappedStudy, type E2eStudy } from '../e2e/pipelineHelpers';

/**
 * A study whose patient name, patient ID and study description carry markup and script goes through the whole
 * pipeline; the worklist page and the study view, in real headless Chromium, must never run it nor turn it into
 * elements (the page builds its DOM with textContent only; this test keeps it so).
 */
jest.setTimeout(240_000);

const HOSTILE = `<img src=x onerror="window.__lungflowXss='img'"><script>window.__lungflowXss='script'</script>`;

describe('DICOM strings in the worklist page', () => {
  let browser: BrowserContext;
  let study: E2eStudy;

  beforeAll(async () => {
    if (!hasSharedData()) throw new Error('../shared/data is missing (set LUNGFLOW_SHARED_DIR)');
    if (!(await stackIsUp())) throw new Error('the local stack with its services is not up: run `npm run stack:up` first');
    study = await wrappedStudy('browser-hostile', 'cxr/rsna_normal/images/01027bc3-dc40-4165-a6c3-d6be2cb7ca34.png', 'DX', {
      patient: { id: `X<b>${Date.now()}</b>`, name: `Evil^${HOSTILE}`, sex: 'O' },
      studyDescription: `XR CHEST ${HOSTILE}`.slice(0, 64),
    });
    await pacs().storeInstances(study.instances, study.studyUid);
    await waitUntil('the hostile study on the worklist', Date.now() + 180_000, async () => {
      const { items } = (await (await fetch(`${reportUrl()}/api/v1/worklist`)).json()) as { items: Array<{ studyInstanceUid: string }> };
      return items.some((item) => item.studyInstanceUid === study.studyUid) ? true : undefined;
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('never runs or renders them as HTML, in the list or the study view', async () => {
    const page = await browser.newPage();
    await page.goto(`${reportUrl()}/`);
    await page.waitForSelector(`tr[data-study="${study.studyUid}"]`, { timeout: 60_000 });
    await page.click(`tr[data-study="${study.studyUid}"]`);
    await page.waitForTimeout(2_000);
    const found = await page.evaluate(() => ({
      ran: (window as unknown as { __lungflowXss?: string }).__lungflowXss ?? null,
      injectedImages: document.querySelectorAll('img[src="x"]').length,
      injectedScripts: [...document.querySelectorAll('script')].filter((s) => s.textContent?.includes('__lungflowXss')).length,
      boldFromPatientId: [...document.querySelectorAll('b')].length,
    }));
    expect(found).toEqual({ ran: null, injectedImages: 0, injectedScripts: 0, boldFromPatientId: 0 });
  });
});
