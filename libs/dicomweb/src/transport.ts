import { parseRetryAfter, retryDelay, type BackoffPolicy } from '@lungflow/errors';
import { DicomWebError } from './DicomWebError';

/** Retries inside one DICOMweb call (the consumer's own policy retries the whole handler on top of these). */
export interface RetryOptions extends BackoffPolicy {
  /** Attempts after the first one. */
  retries: number;
}

export const DEFAULT_RETRY: RetryOptions = { retries: 3, initialMs: 200, maxMs: 5_000 };

export type DicomWebAuth = { username: string; password: string } | { bearerToken: string };

/** Query parameters; arrays repeat the key (e.g. `includefield`). Undefined values are left out. */
export type QueryParams = Record<string, string | number | boolean | readonly string[] | undefined>;

export interface TransportOptions {
  baseUrl: string;
  auth?: DicomWebAuth;
  timeoutMs: number;
  retry: RetryOptions;
  fetch: typeof fetch;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

export interface HttpRequest {
  method: 'GET' | 'POST';
  path: string;
  query?: QueryParams;
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** Non-2xx statuses the caller interprets itself (STOW's 409 carries the failed instances). */
  acceptStatus?: readonly number[];
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  body: Uint8Array;
}

const ANSWER_MAX_CHARS = 300;

/**
 * One HTTP exchange with the PACS, retried with jittered backoff when a retry can help (network failure, timeout,
 * 5xx, 401/403/408/429, honouring Retry-After) and never on other 4xx. The timeout covers the whole exchange including reading the body, so a PACS that stalls
 * mid-stream cannot hang a worker.
 */
export async function send(options: TransportOptions, request: HttpRequest): Promise<HttpResponse> {
  const url = new URL(options.baseUrl.replace(/\/+$/, '') + request.path + queryString(request.query));
  const headers: Record<string, string> = { ...request.headers, ...authorization(options.auth) };
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await sendOnce(options, request, url, headers);
    } catch (error) {
      if (!(error instanceof DicomWebError) || !error.retriable || attempt >= options.retry.retries) throw error;
      await options.sleep(retryDelay(error, attempt + 1, options.retry, options.random));
    }
  }
}

async function sendOnce(options: TransportOptions, request: HttpRequest, url: URL, headers: Record<string, string>): Promise<HttpResponse> {
  const where = `${request.method} ${url.pathname}`; // never the query: QIDO keys may be patient attributes
  const details = { method: request.method, path: url.pathname };
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  let response: Response;
  let body: Uint8Array;
  try {
    response = await options.fetch(url, {
      method: request.method,
      headers,
      ...(request.body ? { body: request.body } : {}),
      signal: controller.signal,
    });
    body = new Uint8Array(await response.arrayBuffer());
  } catch (cause) {
    if (controller.signal.aborted) {
      throw new DicomWebError('DICOMWEB_TIMEOUT', `${where}: no complete answer from the PACS within ${options.timeoutMs} ms`, {
        cause,
        details,
      });
    }
    throw new DicomWebError('DICOMWEB_UNREACHABLE', `${where}: PACS unreachable at ${url.host} (${networkReason(cause)})`, {
      cause,
      details,
    });
  } finally {
    clearTimeout(timer);
  }

  const { status } = response;
  if ((status >= 200 && status < 300) || request.acceptStatus?.includes(status)) {
    return { status, headers: response.headers, body };
  }
  const answer = describeAnswer(response.headers.get('content-type'), body);
  const hint = status === 401 || status === 403 ? ' (check DICOMWEB_USERNAME/DICOMWEB_PASSWORD or DICOMWEB_BEARER_TOKEN)' : '';
  const message = `${where}: PACS answered ${status} ${response.statusText}${hint}: ${answer}`;
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
  const errorDetails = { ...details, status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  throw new DicomWebError(statusCode(status, retryAfterMs), message, { status, details: errorDetails });
}

/**
 * 401/403 are retried: in a hospital they mostly mean a credential that expired or is being rotated, and giving up
 * would dead-letter every study until someone replays them. 408 is a timeout, 429 (and a 503 that says when to
 * come back) is rate limiting: both pass with time. Any other 4xx is about the request itself.
 */
function statusCode(status: number, retryAfterMs: number | undefined): DicomWebError['code'] {
  if (status === 401 || status === 403) return 'DICOMWEB_AUTH_REFUSED';
  if (status === 408) return 'DICOMWEB_TIMEOUT';
  if (status === 429 || (status === 503 && retryAfterMs !== undefined)) return 'DICOMWEB_THROTTLED';
  if (status >= 500) return 'DICOMWEB_HTTP_5XX';
  return 'DICOMWEB_HTTP_4XX';
}

/**
 * URLSearchParams would percent-encode the commas of `viewport=64,64` or `window=40,400,linear`; Orthanc then sees
 * one argument. PS3.18 uses commas as list separators, so they stay literal.
 */
function queryString(query: QueryParams | undefined): string {
  const pairs: string[] = [];
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      pairs.push(`${encodeURIComponent(key)}=${encodeURIComponent(String(item)).replace(/%2C/gi, ',')}`);
    }
  }
  return pairs.length ? `?${pairs.join('&')}` : '';
}

function authorization(auth: DicomWebAuth | undefined): Record<string, string> {
  if (!auth) return {};
  if ('bearerToken' in auth) return { Authorization: `Bearer ${auth.bearerToken}` };
  return { Authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` };
}

function networkReason(cause: unknown): string {
  const inner = cause instanceof Error && cause.cause instanceof Error ? cause.cause : cause;
  if (inner instanceof Error) return (inner as NodeJS.ErrnoException).code ?? inner.message;
  return String(inner);
}

/** The PACS's answer as text, whitespace collapsed and truncated; binary answers only by size and type. */
function describeAnswer(type: string | null, body: Uint8Array): string {
  if (body.length === 0) return '(empty body)';
  const textual = type === null || /^(text\/|application\/(.*\+)?(json|xml))/i.test(type);
  if (!textual) return `(${body.length} bytes of ${type})`;
  const text = Buffer.from(body).toString('utf8').replace(/\s+/g, ' ').trim();
  return text.length > ANSWER_MAX_CHARS ? `${text.slice(0, ANSWER_MAX_CHARS)}…` : text;
}
