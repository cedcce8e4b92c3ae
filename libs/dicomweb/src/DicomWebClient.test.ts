import { DicomWebClient } from './DicomWebClient';
import { DicomWebError } from './DicomWebError';
import { buildMultipart } from './multipart';

interface Call {
  url: URL;
  init: RequestInit;
}

/** A scripted fetch: each call takes the next answer (a Response, or an Error to throw). */
function fakeFetch(answers: Array<Response | Error | ((call: Call) => Response | Promise<Response>)>): { fetch: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  const fn = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const call = { url: new URL(String(input)), init };
    calls.push(call);
    const answer = answers.shift();
    if (answer === undefined) throw new Error('unexpected extra request');
    if (answer instanceof Error) throw answer;
    return typeof answer === 'function' ? answer(call) : answer;
  };
  return { fetch: fn as typeof fetch, calls };
}

const json = (value: unknown, status = 200): Response =>
  new Response(JSON.stringify(value), { status, headers: { 'Content-Type': 'application/dicom+json' } });
const header = (call: Call | undefined, name: string): string | null => new Headers(call?.init.headers).get(name);
const noSleep = jest.fn(async (_ms: number) => undefined);
const client = (f: typeof fetch, extra = {}): DicomWebClient =>
  new DicomWebClient({ baseUrl: 'http://pacs.test:8042/dicom-web/', fetch: f, sleep: noSleep, retry: { retries: 2, initialMs: 10, maxMs: 100 }, ...extra });

const seq = (items: Array<Record<string, string | number>>): { vr: string; Value: unknown[] } => ({
  vr: 'SQ',
  Value: items.map((item) =>
    Object.fromEntries(Object.entries(item).map(([tag, v]) => [tag, { vr: typeof v === 'number' ? 'US' : 'UI', Value: [v] }])),
  ),
});

beforeEach(() => noSleep.mockClear());

describe('DicomWebClient', () => {
  it('sends basic auth, QIDO query keys (repeating arrays) and reads DICOM JSON; 204 is an empty match', async () => {
    const { fetch, calls } = fakeFetch([json([{ '0020000D': { vr: 'UI', Value: ['1.2.3'] } }]), new Response(null, { status: 204 })]);
    const c = client(fetch, { auth: { username: 'u', password: 'p:w' } });
    const studies = await c.searchStudies({ ModalitiesInStudy: 'CR', includefield: ['00081030', '00200010'], limit: 5, x: undefined });
    expect(studies[0]?.['0020000D']?.Value).toEqual(['1.2.3']);
    expect(calls[0]?.url.pathname).toBe('/dicom-web/studies');
    expect(calls[0]?.url.searchParams.getAll('includefield')).toEqual(['00081030', '00200010']);
    expect(calls[0]?.url.searchParams.has('x')).toBe(false);
    expect(header(calls[0], 'authorization')).toBe(`Basic ${Buffer.from('u:p:w').toString('base64')}`);
    expect(header(calls[0], 'accept')).toBe('application/dicom+json');
    expect(await c.searchInstances({}, '1.2.3', '1.2.4')).toEqual([]);
    expect(calls[1]?.url.pathname).toBe('/dicom-web/studies/1.2.3/series/1.2.4/instances');
  });

  it('sends bearer auth and moves credentials out of the base URL (Node fetch refuses them)', async () => {
    const { fetch, calls } = fakeFetch([json([]), json([])]);
    await client(fetch, { auth: { bearerToken: 'tok' } }).searchSeries({}, '1.2');
    expect(header(calls[0], 'authorization')).toBe('Bearer tok');
    await new DicomWebClient({ baseUrl: 'http://a%40b:s3cret@pacs.test/dw', fetch }).searchSeries();
    expect(calls[1]?.url.username).toBe('');
    expect(header(calls[1], 'authorization')).toBe(`Basic ${Buffer.from('a@b:s3cret').toString('base64')}`);
  });

  it('STOWs a multipart/related application/dicom body and returns the stored instances', async () => {
    const { fetch, calls } = fakeFetch([
      json({ '00081199': seq([{ '00081150': '1.2.840.10008.5.1.4.1.1.7', '00081155': '9.8.7' }]), '00081190': { vr: 'UR', Value: ['http://x/studies/1.2'] } }),
    ]);
    const result = await client(fetch).storeInstances([new Uint8Array([1, 2, 3])], '1.2');
    expect(result).toEqual({ retrieveUrl: 'http://x/studies/1.2', stored: [{ sopClassUid: '1.2.840.10008.5.1.4.1.1.7', sopInstanceUid: '9.8.7' }], failed: [] });
    expect(calls[0]?.init.method).toBe('POST');
    expect(calls[0]?.url.pathname).toBe('/dicom-web/studies/1.2');
    expect(header(calls[0], 'content-type')).toMatch(/^multipart\/related; type="application\/dicom"; boundary=lungflow-[0-9a-f]+$/);
  });

  it('treats a FailedSOPSequence in a 200 (Orthanc partial failure) or 409 as an error naming the instance', async () => {
    const partial = { '00081199': seq([{ '00081155': '1.1' }]), '00081198': seq([{ '00081155': '2.2', '00081197': 0xc000 }]) };
    const { fetch } = fakeFetch([json(partial), json({ '00081198': seq([{ '00081155': '3.3', '00081197': 0xa700 }]) }, 409)]);
    const c = client(fetch);
    const first = c.storeInstances([new Uint8Array(1), new Uint8Array(1)]);
    await expect(first).rejects.toMatchObject({ code: 'DICOMWEB_STORE_FAILED', retriable: false });
    await expect(first).rejects.toThrow(/refused 1 of 2 instance\(s\): 2\.2 \(0xC000 cannot understand\)/);
    await expect(c.storeInstances([new Uint8Array(1)])).rejects.toMatchObject({ code: 'DICOMWEB_STORE_OUT_OF_RESOURCES', retriable: true, status: 409 });
  });

  it('counts a SOP Instance UID the PACS already holds (409 duplicate) as stored, not as a failure (issue 16 item 7)', async () => {
    // A PACS that never overwrites answers a re-store of LungFlow's SR/SC with 409 and a duplicate reason per
    // instance: the Microsoft/Azure DICOM service with 45070 (0xB00E), others with 0x0111 Duplicate SOP Instance.
    const azure = { '00081198': seq([{ '00081150': '1.2.840.10008.5.1.4.1.1.88.22', '00081155': '9.1', '00081197': 45070 }, { '00081155': '9.2', '00081197': 45070 }]) };
    const mixed = { '00081199': seq([{ '00081155': '9.3' }]), '00081198': seq([{ '00081155': '9.1', '00081197': 0x0111 }]) };
    const { fetch } = fakeFetch([json(azure, 409), json(mixed, 200)]);
    const c = client(fetch);
    const again = await c.storeInstances([new Uint8Array(1), new Uint8Array(1)], '1.2');
    expect(again).toMatchObject({ stored: [], failed: [], alreadyStored: [{ sopInstanceUid: '9.1', failureReason: 45070 }, { sopInstanceUid: '9.2' }] });
    expect(await c.storeInstances([new Uint8Array(1), new Uint8Array(1)], '1.2')).toMatchObject({ stored: [{ sopInstanceUid: '9.3' }], failed: [], alreadyStored: [{ sopInstanceUid: '9.1' }] });
  });

  it('still refuses a 409 that names a real failure beside a duplicate, or a bare 409', async () => {
    const both = { '00081198': seq([{ '00081155': '9.1', '00081197': 45070 }, { '00081155': '9.2', '00081197': 0xa900 }]) };
    const { fetch } = fakeFetch([json(both, 409), new Response('', { status: 409 })]);
    const c = client(fetch);
    await expect(c.storeInstances([new Uint8Array(1), new Uint8Array(1)])).rejects.toThrow(/refused 1 of 2 instance\(s\): 9\.2 \(0xA900 data set does not match SOP class\)/);
    await expect(c.storeInstances([new Uint8Array(1)])).rejects.toMatchObject({ code: 'DICOMWEB_STORE_FAILED', status: 409 });
  });

  it('refuses a STOW answer that acknowledges fewer instances than were sent', async () => {
    const { fetch } = fakeFetch([json({ '00081199': seq([{ '00081155': '1.1' }]) })]);
    await expect(client(fetch).storeInstances([new Uint8Array(1), new Uint8Array(1)])).rejects.toThrow(/acknowledged 1 of 2/);
    await expect(client(fetch).storeInstances([])).rejects.toThrow(RangeError);
  });

  it('retrieves frames uncompressed by default, parsing a boundary that follows a quoted type with parameters', async () => {
    const frames = [new Uint8Array([0, 13, 10, 45, 45]), new Uint8Array(4096).fill(7)];
    const built = buildMultipart(frames.map((body) => ({ body, contentType: 'application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1' })), {
      type: 'application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1',
      boundary: 'abc',
    });
    expect(built.contentType).toBe('multipart/related; type="application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1"; boundary=abc');
    const { fetch, calls } = fakeFetch([new Response(built.body, { headers: { 'Content-Type': built.contentType } })]);
    const got = await client(fetch).retrieveFrames('1.2', '1.3', '1.4', [1, 2]);
    expect(got.map((f) => Array.from(f))).toEqual(frames.map((f) => Array.from(f)));
    expect(calls[0]?.url.pathname).toBe('/dicom-web/studies/1.2/series/1.3/instances/1.4/frames/1,2');
    expect(header(calls[0], 'accept')).toBe('multipart/related; type="application/octet-stream"; transfer-syntax=1.2.840.10008.1.2.1');
  });

  it('rejects frames in a transfer syntax other than the one asked for, or the wrong number of frames', async () => {
    const wrongSyntax = buildMultipart([{ body: new Uint8Array(2), contentType: 'application/octet-stream; transfer-syntax=1.2.840.10008.1.2.4.50' }], { type: 'application/octet-stream' });
    const tooFew = buildMultipart([{ body: new Uint8Array(2) }], { type: 'application/octet-stream' });
    const { fetch } = fakeFetch([
      new Response(wrongSyntax.body, { headers: { 'Content-Type': wrongSyntax.contentType } }),
      new Response(tooFew.body, { headers: { 'Content-Type': tooFew.contentType } }),
    ]);
    await expect(client(fetch).retrieveFrames('1', '2', '3', [1])).rejects.toThrow(/sent 1\.2\.840\.10008\.1\.2\.4\.50/);
    await expect(client(fetch).retrieveFrames('1', '2', '3', [1, 2])).rejects.toMatchObject({ code: 'DICOMWEB_BAD_RESPONSE' });
    await expect(client(fetch).retrieveFrames('1', '2', '3', [0])).rejects.toThrow(RangeError);
  });

  it('retrieves a Part-10 instance and a rendered image with viewport/window parameters', async () => {
    const part10 = buildMultipart([{ body: new Uint8Array([68, 73, 67, 77]), contentType: 'application/dicom' }], { type: 'application/dicom' });
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);
    const { fetch, calls } = fakeFetch([new Response(part10.body, { headers: { 'Content-Type': part10.contentType } }), new Response(png, { headers: { 'Content-Type': 'image/png' } })]);
    const c = client(fetch);
    expect(Array.from(await c.retrieveInstance('1', '2', '3'))).toEqual([68, 73, 67, 77]);
    expect(header(calls[0], 'accept')).toBe('multipart/related; type="application/dicom"; transfer-syntax=*');
    expect(Array.from(await c.retrieveRendered('1', '2', '3', { frame: 1, viewport: { width: 64, height: 64 }, window: { center: 40, width: 400 } }))).toEqual(Array.from(png));
    expect(calls[1]?.url.pathname).toBe('/dicom-web/studies/1/series/2/instances/3/frames/1/rendered');
    expect(calls[1]?.url.searchParams.get('viewport')).toBe('64,64');
    expect(calls[1]?.url.searchParams.get('window')).toBe('40,400,linear');
    expect(calls[1]?.url.search).toBe('?viewport=64,64&window=40,400,linear'); // commas stay literal for Orthanc
  });

  it('retries network errors and 5xx with backoff, then succeeds', async () => {
    const refused = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
    const { fetch, calls } = fakeFetch([refused, new Response('busy', { status: 503 }), json([])]);
    await expect(client(fetch).searchStudies()).resolves.toEqual([]);
    expect(calls).toHaveLength(3);
    expect(noSleep).toHaveBeenCalledTimes(2);
  });

  it('gives up after the configured retries with a retriable error that says why', async () => {
    const { fetch, calls } = fakeFetch([new Response('a', { status: 502 }), new Response('b', { status: 502 }), new Response('Orthanc is down', { status: 502, statusText: 'Bad Gateway' })]);
    const error = await client(fetch).searchStudies({ PatientName: 'SHOULD-NOT-APPEAR' }).catch((e: unknown) => e);
    expect(calls).toHaveLength(3);
    expect(error).toBeInstanceOf(DicomWebError);
    expect(error).toMatchObject({ code: 'DICOMWEB_HTTP_5XX', retriable: true, status: 502 });
    expect(String((error as Error).message)).toBe('GET /dicom-web/studies: PACS answered 502 Bad Gateway: Orthanc is down');
  });

  it('retries 401 (an expired or rotating credential), naming the settings to check and the answer, truncated, without credentials', async () => {
    const unauthorized = () => new Response(`Unauthorized ${'x'.repeat(1000)}`, { status: 401, statusText: 'Unauthorized', headers: { 'Content-Type': 'text/plain' } });
    const { fetch, calls } = fakeFetch([unauthorized(), unauthorized(), unauthorized()]);
    const error = (await client(fetch, { auth: { username: 'u', password: 'hunter2' } }).retrieveStudyMetadata('1.2').catch((e: unknown) => e)) as DicomWebError;
    expect(calls).toHaveLength(3); // the first try and the configured 2 retries
    expect(error).toMatchObject({ code: 'DICOMWEB_AUTH_REFUSED', retriable: true, status: 401 });
    expect(error.message).toMatch(/^GET \/dicom-web\/studies\/1\.2\/metadata: PACS answered 401 Unauthorized \(check DICOMWEB_USERNAME/);
    expect(error.message.length).toBeLessThan(500);
    expect(error.message).not.toMatch(/hunter2/);
  });

  it('retries 403, 408 and 429 too, and then succeeds', async () => {
    const { fetch, calls } = fakeFetch([new Response('no', { status: 403 }), new Response('slow', { status: 408 }), json([])]);
    await expect(client(fetch).searchStudies()).resolves.toEqual([]);
    expect(calls).toHaveLength(3);
  });

  it('honours Retry-After on 429', async () => {
    const slept: number[] = [];
    const { fetch } = fakeFetch([new Response('slow down', { status: 429, headers: { 'Retry-After': '7' } }), json([])]);
    await expect(client(fetch, { sleep: async (ms: number) => void slept.push(ms) }).searchStudies()).resolves.toEqual([]);
    expect(slept).toEqual([7_000]);
  });

  it('honours Retry-After on a 503 too (a PACS in maintenance saying when to come back), and passes it on when it gives up', async () => {
    const slept: number[] = [];
    const busy = () => new Response('maintenance', { status: 503, headers: { 'Retry-After': '30' } });
    const { fetch } = fakeFetch([busy(), busy(), busy()]);
    const error = await client(fetch, { sleep: async (ms: number) => void slept.push(ms) }).searchStudies().catch((e: unknown) => e);
    expect(slept).toEqual([30_000, 30_000]);
    // The consumer's own retry waits as long again (retryDelay reads details.retryAfterMs).
    expect(error).toMatchObject({ code: 'DICOMWEB_THROTTLED', retriable: true, status: 503, details: { retryAfterMs: 30_000 } });
  });

  it('never retries the other 4xx', async () => {
    const { fetch, calls } = fakeFetch([new Response('bad query', { status: 400, statusText: 'Bad Request' })]);
    await expect(client(fetch).searchStudies()).rejects.toMatchObject({ code: 'DICOMWEB_HTTP_4XX', retriable: false, status: 400 });
    expect(calls).toHaveLength(1);
  });

  it('times out a stalled PACS (the abort reaches fetch) and marks it retriable', async () => {
    const hang = (call: Call): Promise<Response> =>
      new Promise((_, reject) => call.init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
    const { fetch, calls } = fakeFetch([hang, hang]);
    const c = client(fetch, { timeoutMs: 20, retry: { retries: 1, initialMs: 1, maxMs: 1 } });
    await expect(c.searchStudies()).rejects.toMatchObject({ code: 'DICOMWEB_TIMEOUT', retriable: true });
    expect(calls).toHaveLength(2);
  });

  it('refuses a non-UID where a UID goes into the path', async () => {
    const { fetch, calls } = fakeFetch([]);
    await expect(async () => client(fetch).retrieveSeriesMetadata('1.2/../../x', '1')).rejects.toThrow(RangeError);
    expect(calls).toHaveLength(0);
  });

  it('builds from the DICOMWEB_* settings', async () => {
    const { fetch, calls } = fakeFetch([json([])]);
    await DicomWebClient.fromSettings({ DICOMWEB_URL: 'http://h/dw', DICOMWEB_BEARER_TOKEN: 't', DICOMWEB_USERNAME: 'u' }, { fetch }).searchStudies();
    expect(header(calls[0], 'authorization')).toBe('Bearer t');
  });
});
