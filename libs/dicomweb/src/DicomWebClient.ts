import type { DicomJson } from './DicomJson';
import { DicomWebError } from './DicomWebError';
import { buildMultipart, contentType, MultipartError, parseMultipart } from './multipart';
import { describeFailureReason, isDuplicateFailure, parseStowResponse, type StowResult } from './parseStowResponse';
import { DEFAULT_RETRY, send, type DicomWebAuth, type RetryOptions, type HttpRequest, type HttpResponse, type QueryParams, type TransportOptions } from './transport';

export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';

export interface DicomWebClientOptions {
  /** Root of the DICOMweb service, e.g. `http://127.0.0.1:8042/dicom-web`. User info in the URL becomes basic auth. */
  baseUrl: string;
  auth?: DicomWebAuth;
  /** Per attempt, covering the whole exchange. Default 30 s. */
  timeoutMs?: number;
  retry?: Partial<RetryOptions>;
  /** Injected by unit tests; Node's own fetch otherwise. */
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** The DICOMWEB_* settings of `commonSettings` in @lungflow/config, structurally, so this lib needs no config import. */
export interface DicomWebSettings {
  DICOMWEB_URL: string;
  DICOMWEB_USERNAME?: string | undefined;
  DICOMWEB_PASSWORD?: string | undefined;
  DICOMWEB_BEARER_TOKEN?: string | undefined;
  DICOMWEB_TIMEOUT_MS?: number | undefined;
}

export interface RenderedOptions {
  /** 1-based frame; the whole instance's first frame when omitted. */
  frame?: number;
  accept?: 'image/png' | 'image/jpeg';
  /** `viewport=width,height` (PS3.18 §8.3.5.1.3). */
  viewport?: { width: number; height: number };
  window?: { center: number; width: number; fn?: 'linear' | 'sigmoid' };
  quality?: number;
}

const JSON_ACCEPT = 'application/dicom+json';
const UID = /^[0-9]+(\.[0-9]+)*$/;

/**
 * STOW-RS, QIDO-RS and WADO-RS (PS3.18) on Node's own fetch. Every method throws DicomWebError; `retriable` says
 * whether a later attempt may succeed (the client has already retried `retry.retries` times by then).
 */
export class DicomWebClient {
  private readonly transport: TransportOptions;

  constructor(options: DicomWebClientOptions) {
    const url = new URL(options.baseUrl);
    // Node's fetch refuses URLs with credentials; turn them into an Authorization header instead.
    let auth = options.auth;
    if (!auth && url.username !== '') auth = { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
    url.username = '';
    url.password = '';
    this.transport = {
      baseUrl: url.toString(),
      ...(auth ? { auth } : {}),
      timeoutMs: options.timeoutMs ?? 30_000,
      retry: { ...DEFAULT_RETRY, ...options.retry },
      fetch: options.fetch ?? fetch,
      sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      random: options.random ?? Math.random,
    };
  }

  static fromSettings(settings: DicomWebSettings, overrides: Partial<DicomWebClientOptions> = {}): DicomWebClient {
    let auth: DicomWebAuth | undefined;
    if (settings.DICOMWEB_BEARER_TOKEN) auth = { bearerToken: settings.DICOMWEB_BEARER_TOKEN };
    else if (settings.DICOMWEB_USERNAME) auth = { username: settings.DICOMWEB_USERNAME, password: settings.DICOMWEB_PASSWORD ?? '' };
    return new DicomWebClient({
      baseUrl: settings.DICOMWEB_URL,
      ...(auth ? { auth } : {}),
      ...(settings.DICOMWEB_TIMEOUT_MS ? { timeoutMs: settings.DICOMWEB_TIMEOUT_MS } : {}),
      ...overrides,
    });
  }

  /**
   * STOW-RS (PS3.18 §10.5) of Part-10 files. Resolves only when the PACS holds every instance; a response listing
   * failed instances (Orthanc answers 200 or 409 with a FailedSOPSequence) throws DICOMWEB_STORE_FAILED naming them.
   *
   * An instance refused only as a duplicate of a SOP Instance UID the PACS already holds (`isDuplicateFailure`, e.g.
   * a 409 from a PACS that never overwrites) counts as stored and is listed in `alreadyStored`: a UID names one
   * object (PS3.3 §C.12.1.1.1), and LungFlow derives its results' UIDs from what they were computed from, so a
   * redelivery that finds its SR already there is done, not a dead letter.
   */
  async storeInstances(instances: readonly Uint8Array[], studyUid?: string): Promise<StowResult> {
    if (instances.length === 0) throw new RangeError('storeInstances: nothing to store');
    const path = studyUid === undefined ? '/studies' : `/studies/${uid(studyUid)}`;
    const message = buildMultipart(instances.map((body) => ({ body, contentType: 'application/dicom' })), { type: 'application/dicom' });
    const response = await this.request({
      method: 'POST',
      path,
      headers: { 'Content-Type': message.contentType, Accept: JSON_ACCEPT },
      body: message.body,
      acceptStatus: [409],
    });
    const parsed = parseStowResponse(response.body.length ? this.json(response, 'POST', path) : []);
    const alreadyStored = parsed.failed.filter(isDuplicateFailure);
    const result: StowResult = { ...parsed, failed: parsed.failed.filter((f) => !isDuplicateFailure(f)) };
    if (alreadyStored.length > 0) result.alreadyStored = alreadyStored;
    const where = `POST ${path}`;
    if (result.failed.length > 0) {
      const names = result.failed.map((f, i) => `${f.sopInstanceUid ?? `instance #${i + 1}`} (${describeFailureReason(f.failureReason)})`);
      // Only "out of resources" may pass later; anything else is about the object itself.
      const outOfResources = result.failed.every((f) => f.failureReason !== undefined && f.failureReason >= 0xa700 && f.failureReason <= 0xa7ff);
      const code = outOfResources ? 'DICOMWEB_STORE_OUT_OF_RESOURCES' : 'DICOMWEB_STORE_FAILED';
      throw new DicomWebError(code, `${where}: PACS refused ${result.failed.length} of ${instances.length} instance(s): ${names.join(', ')}`, {
        status: response.status,
        details: { path, status: response.status, failed: result.failed, stored: result.stored, alreadyStored },
      });
    }
    if (response.status === 409 && alreadyStored.length === 0) {
      throw new DicomWebError('DICOMWEB_STORE_FAILED', `${where}: PACS answered 409 without naming the failed instances`, {
        status: 409,
        details: { path, status: 409 },
      });
    }
    if (result.stored.length + alreadyStored.length !== instances.length) {
      const held = alreadyStored.length > 0 ? ` (and reported ${alreadyStored.length} as already stored)` : '';
      throw new DicomWebError('DICOMWEB_STORE_FAILED', `${where}: PACS acknowledged ${result.stored.length} of ${instances.length} instance(s)${held}`, {
        status: response.status,
        details: { path, status: response.status, stored: result.stored, alreadyStored },
      });
    }
    return result;
  }

  /** QIDO-RS (PS3.18 §10.6). An empty match (204 or `[]`) gives `[]`. */
  searchStudies(query: QueryParams = {}): Promise<DicomJson[]> {
    return this.getJson('/studies', query);
  }

  searchSeries(query: QueryParams = {}, studyUid?: string): Promise<DicomJson[]> {
    return this.getJson(studyUid === undefined ? '/series' : `/studies/${uid(studyUid)}/series`, query);
  }

  searchInstances(query: QueryParams = {}, studyUid?: string, seriesUid?: string): Promise<DicomJson[]> {
    if (seriesUid !== undefined && studyUid === undefined) throw new RangeError('searchInstances: a series UID needs its study UID');
    let path = '/instances';
    if (studyUid !== undefined) path = `/studies/${uid(studyUid)}${seriesUid === undefined ? '' : `/series/${uid(seriesUid)}`}/instances`;
    return this.getJson(path, query);
  }

  /** WADO-RS metadata (PS3.18 §10.4.1.1.2): one JSON data set per instance, bulk data as BulkDataURI. */
  retrieveStudyMetadata(studyUid: string): Promise<DicomJson[]> {
    return this.getJson(`/studies/${uid(studyUid)}/metadata`);
  }

  retrieveSeriesMetadata(studyUid: string, seriesUid: string): Promise<DicomJson[]> {
    return this.getJson(`/studies/${uid(studyUid)}/series/${uid(seriesUid)}/metadata`);
  }

  retrieveInstanceMetadata(studyUid: string, seriesUid: string, sopUid: string): Promise<DicomJson[]> {
    return this.getJson(`${instancePath(studyUid, seriesUid, sopUid)}/metadata`);
  }

  /**
   * WADO-RS frames (PS3.18 §10.4.1.1.3), one Uint8Array per requested frame, in order. By default asks for Explicit VR
   * Little Endian, i.e. the PACS decompresses; pass `transferSyntax: '*'` to take whatever the PACS stores.
   */
  async retrieveFrames(
    studyUid: string,
    seriesUid: string,
    sopUid: string,
    frames: readonly number[],
    options: { transferSyntax?: string } = {},
  ): Promise<Uint8Array[]> {
    if (frames.length === 0 || frames.some((f) => !Number.isInteger(f) || f < 1)) {
      throw new RangeError(`retrieveFrames: frame numbers are 1-based integers, got [${frames.join(',')}]`);
    }
    const transferSyntax = options.transferSyntax ?? EXPLICIT_VR_LITTLE_ENDIAN;
    const path = `${instancePath(studyUid, seriesUid, sopUid)}/frames/${frames.join(',')}`;
    const response = await this.request({
      method: 'GET',
      path,
      headers: { Accept: `multipart/related; type="application/octet-stream"; transfer-syntax=${transferSyntax}` },
    });
    const bodies = this.parts(response, 'GET', path, transferSyntax);
    if (bodies.length !== frames.length) {
      throw new DicomWebError('DICOMWEB_BAD_RESPONSE', `GET ${path}: asked for ${frames.length} frame(s), PACS sent ${bodies.length}`, {
        details: { path },
      });
    }
    return bodies;
  }

  /** WADO-RS instance (PS3.18 §10.4.1.1.1): the Part-10 bytes, in the stored transfer syntax unless one is asked for. */
  async retrieveInstance(studyUid: string, seriesUid: string, sopUid: string, options: { transferSyntax?: string } = {}): Promise<Uint8Array> {
    const transferSyntax = options.transferSyntax ?? '*';
    const path = instancePath(studyUid, seriesUid, sopUid);
    const response = await this.request({
      method: 'GET',
      path,
      headers: { Accept: `multipart/related; type="application/dicom"; transfer-syntax=${transferSyntax}` },
    });
    const bodies = this.parts(response, 'GET', path, transferSyntax);
    if (bodies.length !== 1) {
      throw new DicomWebError('DICOMWEB_BAD_RESPONSE', `GET ${path}: expected 1 instance, PACS sent ${bodies.length}`, { details: { path } });
    }
    return bodies[0] as Uint8Array;
  }

  /** WADO-RS rendered (PS3.18 §10.4.1.1.4): a consumer image (PNG by default) rendered by the PACS. */
  async retrieveRendered(studyUid: string, seriesUid: string, sopUid: string, options: RenderedOptions = {}): Promise<Uint8Array> {
    const frame = options.frame === undefined ? '' : `/frames/${options.frame}`;
    const path = `${instancePath(studyUid, seriesUid, sopUid)}${frame}/rendered`;
    const query: QueryParams = {
      viewport: options.viewport && `${options.viewport.width},${options.viewport.height}`,
      window: options.window && [options.window.center, options.window.width, options.window.fn ?? 'linear'].join(','),
      quality: options.quality,
    };
    const response = await this.request({ method: 'GET', path, query, headers: { Accept: options.accept ?? 'image/png' } });
    return response.body;
  }

  private request(request: HttpRequest): Promise<HttpResponse> {
    return send(this.transport, request);
  }

  private async getJson(path: string, query?: QueryParams): Promise<DicomJson[]> {
    const response = await this.request({ method: 'GET', path, headers: { Accept: JSON_ACCEPT }, ...(query ? { query } : {}) });
    if (response.status === 204 || response.body.length === 0) return [];
    const json = this.json(response, 'GET', path);
    if (!Array.isArray(json)) {
      throw new DicomWebError('DICOMWEB_BAD_RESPONSE', `GET ${path}: expected a JSON array of data sets`, { details: { path } });
    }
    return json as DicomJson[];
  }

  private json(response: HttpResponse, method: string, path: string): unknown {
    try {
      return JSON.parse(Buffer.from(response.body).toString('utf8'));
    } catch (cause) {
      throw new DicomWebError('DICOMWEB_BAD_RESPONSE', `${method} ${path}: answer is not JSON`, { cause, details: { path } });
    }
  }

  /** Bodies of a multipart answer; a single-part answer some servers send for one object is accepted as is. */
  private parts(response: HttpResponse, method: string, path: string, transferSyntax: string): Uint8Array[] {
    const type = contentType(response.headers.get('content-type') ?? '');
    if (type.mediaType !== 'multipart/related') return [response.body];
    try {
      const parts = parseMultipart(response.body, type.params.boundary ?? '');
      for (const part of parts) {
        const sent = contentType(part.headers['content-type'] ?? type.params.type ?? '').params['transfer-syntax'];
        if (transferSyntax !== '*' && sent !== undefined && sent !== transferSyntax) {
          throw new MultipartError(`asked for transfer syntax ${transferSyntax}, PACS sent ${sent}`);
        }
      }
      return parts.map((part) => part.body);
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new DicomWebError('DICOMWEB_BAD_RESPONSE', `${method} ${path}: ${reason}`, { cause, details: { path } });
    }
  }
}

function uid(value: string): string {
  // UIDs go into the URL path; anything else would let a bad event rewrite the request.
  if (!UID.test(value) || value.length > 64) throw new RangeError(`not a DICOM UID: "${value.slice(0, 70)}"`);
  return value;
}

function instancePath(studyUid: string, seriesUid: string, sopUid: string): string {
  return `/studies/${uid(studyUid)}/series/${uid(seriesUid)}/instances/${uid(sopUid)}`;
}
