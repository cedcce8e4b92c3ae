import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../helpers/chromium';
import sharp from 'sharp';
import { auditEvent, TOPICS } from '@lungflow/contracts';
import { readPart10, unpackBits } from '@lungflow/dicom';
import { firstString } from '@lungflow/dicomweb';
import { createKafka, ensureTopics } from '@lungflow/kafka';
import { createLogger } from '@lungflow/logging';
import { hashPassword } from '../../services/report/src/auth/passwords';
import { build, type ReportService } from '../../services/report/src/app';
import { loadReportConfig } from '../../services/report/src/config';
import { dciodvfy } from '../helpers/dciodvfy';
import { waitForMessages } from '../helpers/kafka';
import { hasSharedData, REPO_ROOT } from '../helpers/paths';
import { stackSettings } from '../helpers/stackSettings';
import { pacs, reportUrl, stackIsUp, waitUntil, wrappedStudy, type E2eStudy } from '../e2e/pipelineHelpers';

/**
 * Review in real headless Chromium. Two real studies go through the running pipeline (`npm run stack:up`); a second
 * report replica, started here on the stack's Redis with a local user list (so it has named users), serves the page.
 * A reviewer signs in (HTTP Basic), reviews both studies with the keyboard (label, agreement, next study) and the
 * mouse (brush strokes, a polygon, the eraser, undo), saves; the SEG and SR are then read back from the real Orthanc,
 * pass dciodvfy, carry the reviewer and hold exactly the mask that was drawn. A reader gets 403 on save, nobody 401,
 * and the audit topic has one event per view and per save. Screenshots go to test-output/.
 */
jest.setTimeout(300_000);

const OUTPUT = join(REPO_ROOT, 'test-output');
const SEG_CLASS = '1.2.840.10008.5.1.4.1.1.66.4';
const REVIEWER = { username: 'dr.review', password: 'reviewer-secret-1', displayName: 'Review^Rita' };
const READER = { username: 'reader.one', password: 'reader-secret-1' };

const stackKafka = () => createKafka({ brokers: stackSettings().kafkaBrokers, clientId: 'lungflow-review-test', log: createLogger({ service: 'review-test', level: 'silent' }) });

async function worklistHas(study: E2eStudy): Promise<boolean | undefined> {
  const { items } = (await (await fetch(`${reportUrl()}/api/v1/worklist`)).json()) as { items: Array<{ studyInstanceUid: string }> };
  return items.some((item) => item.studyInstanceUid === study.studyUid) ? true : undefined;
}

/** A stroke from (x0, y0) to (x1, y1) in fractions of the editor's box, with the mouse held down. */
async function stroke(page: Page, from: [number, number], to: [number, number]): Promise<void> {
  await page.locator('#editor-mask').scrollIntoViewIfNeeded();
  const box = await page.locator('#editor-mask').boundingBox();
  if (!box) throw new Error('the editor is not on screen');
  await page.mouse.move(box.x + from[0] * box.width, box.y + from[1] * box.height);
  await page.mouse.down();
  for (let i = 1; i <= 10; i += 1) await page.mouse.move(box.x + (from[0] + ((to[0] - from[0]) * i) / 10) * box.width, box.y + (from[1] + ((to[1] - from[1]) * i) / 10) * box.height);
  await page.mouse.up();
}

async function clickAt(page: Page, at: [number, number]): Promise<void> {
  await page.locator('#editor-mask').scrollIntoViewIfNeeded();
  const box = await page.locator('#editor-mask').boundingBox();
  if (!box) throw new Error('the editor is not on screen');
  await page.mouse.click(box.x + at[0] * box.width, box.y + at[1] * box.height);
}

async function editorReady(page: Page): Promise<void> {
  await page.waitForFunction(() => document.querySelector('#review-status')?.textContent?.startsWith('Not reviewed'), undefined, { timeout: 60_000 });
  await page.waitForFunction(() => {
    const img = document.querySelector<HTMLImageElement>('#editor-image');
    return !!img && img.complete && img.naturalWidth > 0;
  }, undefined, { timeout: 60_000 });
}

/**
 * The study view lays the lung and lesion outlines (drawn from LungFlow's SEG in the PACS) over the analysed image:
 * both colours are on it, most of it is clear, and the lesion figures are shown. Screenshot of the image with them.
 */
async function expectOutlines(page: Page, screenshot: string): Promise<void> {
  await page.waitForFunction(() => {
    const img = document.querySelector<HTMLImageElement>('#study-outlines');
    return !!img && !img.hidden && img.complete && img.naturalWidth > 0;
  }, undefined, { timeout: 60_000 });
  const counts = await page.evaluate(() => {
    const img = document.querySelector<HTMLImageElement>('#study-outlines') as HTMLImageElement;
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const context = canvas.getContext('2d') as CanvasRenderingContext2D;
    context.drawImage(img, 0, 0);
    const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
    let lung = 0;
    let lesion = 0;
    let clear = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] === 0) clear += 1;
      else if (data[i] === 0 && data[i + 2] === 255) lung += 1;
      else if (data[i] === 255 && data[i + 1] === 210) lesion += 1;
    }
    const image = document.querySelector<HTMLImageElement>('#study-image') as HTMLImageElement;
    return { lung, lesion, clear, total: data.length / 4, sameSize: image.naturalWidth === img.naturalWidth && image.naturalHeight === img.naturalHeight };
  });
  expect(counts.lung).toBeGreaterThan(50);
  expect(counts.lesion).toBeGreaterThan(0);
  expect(counts.clear / counts.total).toBeGreaterThan(0.8);
  expect(counts.sameSize).toBe(true);
  expect(await page.locator('#study-lesions').textContent()).toMatch(/lesions \d+\.\d% of lungs/);
  await page.locator('.overlay').screenshot({ path: join(OUTPUT, screenshot) });
  // O hides and shows them.
  await page.keyboard.press('o');
  expect(await page.locator('#study-outlines').isHidden()).toBe(true);
  await page.keyboard.press('o');
  expect(await page.locator('#study-outlines').isHidden()).toBe(false);
}

async function drawnMask(page: Page): Promise<number[]> {
  return (await page.evaluate(() => (window as unknown as { LungFlowReview: { maskValues(): number[] | null } }).LungFlowReview.maskValues())) ?? [];
}

describe('reviewing studies in Chromium', () => {
  let browser: BrowserContext;
  let replica: ReportService;
  let url: string;
  let studies: E2eStudy[];
  const workDir = mkdtempSync(join(tmpdir(), 'lungflow-review-'));

  beforeAll(async () => {
    if (!hasSharedData()) throw new Error('../shared/data is missing (set LUNGFLOW_SHARED_DIR)');
    if (!(await stackIsUp())) throw new Error('the local stack with its services is not up: run `npm run stack:up` first');
    mkdirSync(OUTPUT, { recursive: true });
    const usersFile = join(workDir, 'users.json');
    writeFileSync(
      usersFile,
      JSON.stringify({
        users: [
          { username: REVIEWER.username, displayName: REVIEWER.displayName, roles: ['reviewer'], passwordHash: await hashPassword(REVIEWER.password) },
          { username: READER.username, roles: ['reader'], passwordHash: await hashPassword(READER.password) },
        ],
      }),
    );
    const stack = stackSettings();
    await ensureTopics(stackKafka(), [TOPICS.audit]);
    const config = loadReportConfig({
      REDIS_URL: stack.redisUrl,
      KAFKA_BROKERS: stack.kafkaBrokers.join(','),
      DICOMWEB_URL: stack.dicomwebUrl,
      DICOMWEB_USERNAME: stack.username,
      DICOMWEB_PASSWORD: stack.password,
      REPORT_USERS_FILE: usersFile,
      REPORT_REVIEW_ORGANIZATION: 'LungFlow Test Hospital',
      LOG_LEVEL: 'silent',
    });
    // An API replica (no consumer): the stack's report service fills the shared worklist from the real pipeline.
    replica = await build(config, { consume: false, logger: createLogger({ service: 'report-review-test', level: 'silent' }) });
    await replica.start();
    await replica.app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(replica.app.server.address() as AddressInfo).port}`;

    studies = [
      await wrappedStudy('review-covid', 'cxr/ieee8023/images/auntminnie-b-2020_01_28_23_51_6665_2020_01_28_Vietnam_coronavirus.jpeg', 'CR', { patient: { id: 'LF-REVIEW-1', name: 'Tester^Alice', sex: 'F' }, accessionNumber: 'ACC-REV-1' }),
      await wrappedStudy('review-normal', 'cxr/rsna_normal/images/01027bc3-dc40-4165-a6c3-d6be2cb7ca34.png', 'DX', { patient: { id: 'LF-REVIEW-2', name: '<b>Bold</b>^Bob', sex: 'M' }, accessionNumber: 'ACC-REV-2' }),
    ];
    for (const study of studies) await pacs().storeInstances(study.instances, study.studyUid);
    for (const study of studies) await waitUntil(`${study.label} on the worklist`, Date.now() + 150_000, () => worklistHas(study));

    browser = await launchChromium({
      viewport: { width: 1400, height: 1100 },
      httpCredentials: { username: REVIEWER.username, password: REVIEWER.password },
    });
  });

  afterAll(async () => {
    await browser?.close();
    await replica?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('answers 401 to nobody and 403 to a reader who tries to save', async () => {
    const [first] = studies as [E2eStudy];
    expect((await fetch(`${url}/api/v1/worklist/rows`)).status).toBe(401);
    const asReader = { authorization: `Basic ${Buffer.from(`${READER.username}:${READER.password}`).toString('base64')}`, 'content-type': 'application/json' };
    expect((await fetch(`${url}/api/v1/worklist/rows`, { headers: asReader })).status).toBe(200);
    const body = JSON.stringify({ label: 'covid19', agreesWithModel: true, lesionMask: { rows: 1, columns: 1, bits: 'AA==' } });
    expect((await fetch(`${url}/api/v1/studies/${first.studyUid}/reviews`, { method: 'POST', headers: asReader, body })).status).toBe(403);
  });

  it('reviews two studies with keyboard and mouse; the SEG and SR are in Orthanc with the drawn mask', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${url}/`);
    const [first, second] = studies as [E2eStudy, E2eStudy];
    for (const study of studies) await page.waitForSelector(`tr[data-study="${study.studyUid}"]`, { timeout: 30_000 });
    // Identity shows for the signed-in user, and a DICOM string is text, never markup.
    const secondRow = page.locator(`tr[data-study="${second.studyUid}"]`);
    expect(await secondRow.locator('.patient-name').textContent()).toBe('<b>Bold</b>, Bob');
    expect(await secondRow.locator('.patient-name b').count()).toBe(0);
    expect(await page.locator(`tr[data-study="${first.studyUid}"] .accession`).textContent()).toBe('ACC-REV-1');
    // The lesion column: share of the lungs and the predicted Brixia score (cxr-v2 measures lesions on every CXR).
    expect(await page.locator(`tr[data-study="${first.studyUid}"] .lesions`).textContent()).toMatch(/^\d+\.\d% of lungs · Brixia \d+\.\d\/18$/);
    await page.screenshot({ path: join(OUTPUT, 'review-worklist.png') });

    // The order of the page decides which study J goes to: open whichever of the two comes first.
    const order = await page.$$eval('#worklist tbody tr', (rows) => rows.map((row) => row.getAttribute('data-study')));
    const [a, b] = [...studies].sort((x, y) => order.indexOf(x.studyUid) - order.indexOf(y.studyUid)) as [E2eStudy, E2eStudy];
    const adjacent = order.indexOf(b.studyUid) === order.indexOf(a.studyUid) + 1;

    const masks = new Map<string, number[]>();
    await page.click(`tr[data-study="${a.studyUid}"]`);
    await editorReady(page);
    // The outline starts from the model's lesion estimate (its SEG in the PACS), for the reviewer to correct.
    expect(await page.locator('#review-status').textContent()).toContain("starts from the model's lesion estimate");
    expect((await drawnMask(page)).some(Boolean)).toBe(true);
    await page.keyboard.press('1'); // COVID-19
    await page.keyboard.press('a'); // agree
    await stroke(page, [0.3, 0.4], [0.45, 0.6]);
    await stroke(page, [0.6, 0.3], [0.7, 0.7]);
    await page.keyboard.press('Control+z'); // the second stroke is undone
    await page.keyboard.press('e');
    await stroke(page, [0.3, 0.5], [0.45, 0.5]);
    await page.fill('#severity', '7');
    masks.set(a.studyUid, await drawnMask(page));
    await page.click('#save-review');
    await page.waitForFunction(() => document.querySelector('#review-status')?.textContent?.startsWith('Saved revision 1'), undefined, { timeout: 60_000 });
    await page.screenshot({ path: join(OUTPUT, 'review-study-1.png'), fullPage: true });
    await expectOutlines(page, 'study-outlines.png');

    if (adjacent) await page.keyboard.press('j');
    else await page.click('#back').then(() => page.click(`tr[data-study="${b.studyUid}"]`));
    await page.waitForFunction((uid) => document.querySelector('#study-title')?.textContent?.includes(uid), b.studyUid, { timeout: 30_000 });
    await editorReady(page);
    await page.keyboard.press('3'); // no finding
    await page.keyboard.press('d'); // disagree
    await page.keyboard.press('p'); // polygon
    for (const point of [[0.55, 0.3], [0.75, 0.35], [0.7, 0.6], [0.55, 0.55]] as Array<[number, number]>) await clickAt(page, point);
    await page.keyboard.press('Enter');
    masks.set(b.studyUid, await drawnMask(page));
    await page.keyboard.press('s');
    await page.waitForFunction(() => document.querySelector('#review-status')?.textContent?.startsWith('Saved revision 1'), undefined, { timeout: 60_000 });
    // A second save is a new revision, never an overwrite.
    await page.keyboard.press('s');
    await page.waitForFunction(() => document.querySelector('#review-status')?.textContent?.startsWith('Saved revision 2'), undefined, { timeout: 60_000 });
    await page.screenshot({ path: join(OUTPUT, 'review-study-2.png'), fullPage: true });
    expect(errors).toEqual([]);

    for (const [study, expectedRevisions, label] of [[a, 1, '882784691000119100'], [b, 2, '17621005']] as const) {
      const drawn = masks.get(study.studyUid) as number[];
      expect(drawn.filter(Boolean).length).toBeGreaterThan(100);
      // Review SEGs only: the study also holds the model's own lung and lesion SEG.
      const segs = (await pacs().searchInstances({ SOPClassUID: SEG_CLASS, includefield: ['00200013', '0008103E'] }, study.studyUid)).filter((json) => firstString(json, '0008103E') === 'LungFlow review');
      const srs = (await pacs().searchInstances({ Modality: 'SR', includefield: '0008103E' }, study.studyUid)).filter((json) => firstString(json, '0008103E') === 'LungFlow review');
      expect(segs).toHaveLength(expectedRevisions);
      expect(srs).toHaveLength(expectedRevisions);
      const latest = segs.find((json) => Number(firstString(json, '00200013')) === expectedRevisions) ?? segs[0];
      const segPart10 = await pacs().retrieveInstance(study.studyUid, firstString(latest!, '0020000E')!, firstString(latest!, '00080018')!);
      const seg = readPart10(segPart10);
      if (!seg.pixelData || seg.pixelData.encapsulated) throw new Error('SEG pixel data should be native');
      const stored = unpackBits(seg.pixelData.buffers[0] as Uint8Array, Number(seg.dataset.Rows), Number(seg.dataset.Columns));
      expect(stored.length).toBe(drawn.length);
      expect(Buffer.from(stored).equals(Buffer.from(Uint8Array.from(drawn)))).toBe(true);
      expect((await dciodvfy(segPart10)).errors).toEqual([]);
      const sr = srs[0]!;
      const srPart10 = await pacs().retrieveInstance(study.studyUid, firstString(sr, '0020000E')!, firstString(sr, '00080018')!);
      expect((await dciodvfy(srPart10)).errors).toEqual([]);
      const srJson = JSON.stringify(readPart10(srPart10).dataset);
      expect(srJson).toContain('Review^Rita');
      expect(srJson).toContain(label);
      expect(srJson).toContain('LungFlow Test Hospital');
    }

    // One audit event per study view and per save, naming the reviewer and UIDs only.
    const kafka = stackKafka();
    const events = (await waitForMessages(kafka, auditEvent, TOPICS.audit.name, { count: 1, timeoutMs: 30_000, settleMs: 3_000 }))
      .map((m) => m.value)
      .filter((e) => studies.some((s) => s.studyUid === e.studyInstanceUid));
    const count = (action: string, study: E2eStudy) => events.filter((e) => e.action === action && e.studyInstanceUid === study.studyUid).length;
    expect([count('study.viewed', a), count('review.saved', a), count('study.viewed', b), count('review.saved', b)]).toEqual([1, 1, 1, 2]);
    expect(events.every((e) => e.actor.username === REVIEWER.username)).toBe(true);
    expect(JSON.stringify(events)).not.toMatch(/Tester|Alice|Bold|LF-REVIEW/);

    // The feedback loop: training's exporter pulls the reviews back over DICOMweb into a manifest whose lesion masks
    // are the pixels drawn here.
    const exportDir = join(workDir, 'export');
    const stack = stackSettings();
    await promisify(execFile)(join(REPO_ROOT, 'training/.venv/bin/python'), ['-m', 'lungflow_training.reviewed', '--dicomweb', stack.dicomwebUrl, '--user', stack.username, '--out', exportDir], {
      cwd: join(REPO_ROOT, 'training'),
      env: { ...process.env, DICOMWEB_PASSWORD: stack.password },
    });
    const [header, ...lines] = readFileSync(join(exportDir, 'manifest.csv'), 'utf8').trim().split('\n');
    const columns = (header as string).split(',');
    const manifest = lines.map((line) => Object.fromEntries(line.split(',').map((value, i) => [columns[i], value])) as Record<string, string>);
    for (const [study, label] of [[a, 'covid19'], [b, 'no_finding']] as const) {
      const row = manifest.find((r) => r.study_uid === study.studyUid);
      expect(row).toMatchObject({ task: 'cxr', label, source: 'pacs-review' });
      expect(row?.patient_id).toMatch(/^pacs:[0-9a-f]{16}$/);
      const png = await sharp(join(exportDir, row?.lesion_mask_path as string)).extractChannel(0).raw().toBuffer();
      const drawn = masks.get(study.studyUid) as number[];
      expect(Buffer.from(png.map((v) => (v > 127 ? 1 : 0))).equals(Buffer.from(Uint8Array.from(drawn)))).toBe(true);
    }
  });
});
