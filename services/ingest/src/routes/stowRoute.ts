import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { StowResult } from '@lungflow/dicomweb';
import { dicomUid } from '@lungflow/contracts';
import { readFileMeta } from '@lungflow/dicom';
import { contentType, parseMultipart } from '@lungflow/dicomweb';
import { LungFlowError, isRetriable } from '@lungflow/errors';
import type { IngestMetrics } from '../metrics';
import type { StudyTracker } from '../studyTracker';

export interface StowRouteOptions {
  /** The PACS of record (DicomWebClient.storeInstances): pushed instances are forwarded there first. */
  pacs: { storeInstances(instances: readonly Uint8Array[], studyUid?: string): Promise<StowResult> };
  tracker: Pick<StudyTracker, 'touch'>;
  metrics: IngestMetrics;
  maxBytes: number;
  /** When set, callers must send `Authorization: Bearer <token>`. */
  bearerToken?: string;
}

const UID = /^[0-9.]{1,64}$/;
/** Sent to the PACS of record at once when refusing one by one (the fallback below). */
const ONE_BY_ONE_IN_PARALLEL = 4;
/** PS3.18 Table 10.5.3-2 / PS3.4 Annex B: "cannot understand" (the object is not a readable DICOM file). */
const CANNOT_UNDERSTAND = 0xc000;
/** "Processing failure": what a refusal by the PACS of record becomes when it names no reason of its own. */
const PROCESSING_FAILURE = 0x0110;

function studyOf(url: string | undefined): string | undefined {
  return url?.match(/\/studies\/([0-9.]+)/)?.[1];
}

function failure(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).type('application/json').send({ error: message });
}

/** One part of the request that was not stored, and why (in the answer, so the sender can act on it). */
interface Refusal {
  /** 1-based position of the part in the request: the only name an unreadable part has. */
  part: number;
  sopClassUid?: string;
  sopInstanceUid?: string;
  failureReason: number;
  reason: string;
}

const isUid = (value: string | undefined): value is string => value !== undefined && dicomUid.safeParse(value).success;

/**
 * Refuses, before anything is forwarded, a part that is not a Part-10 file naming valid SOP class, SOP instance
 * and transfer syntax UIDs in its File Meta: only the meta group is read (readFileMeta), so a deflate bomb or a
 * length lie in the data set costs nothing here; the PACS of record judges the rest.
 */
function checkPart(part: number, bytes: Uint8Array): Refusal | undefined {
  if (bytes.length === 0) return { part, failureReason: CANNOT_UNDERSTAND, reason: `part ${part}: empty` };
  let meta: ReturnType<typeof readFileMeta>;
  try {
    meta = readFileMeta(bytes);
  } catch (error) {
    return { part, failureReason: CANNOT_UNDERSTAND, reason: `part ${part}: not a DICOM Part-10 file: ${(error as Error).message}` };
  }
  const ids = { ...(isUid(meta.sopClassUid) ? { sopClassUid: meta.sopClassUid } : {}), ...(isUid(meta.sopInstanceUid) ? { sopInstanceUid: meta.sopInstanceUid } : {}) };
  for (const [name, value] of [['Media Storage SOP Instance UID', meta.sopInstanceUid], ['Media Storage SOP Class UID', meta.sopClassUid], ['Transfer Syntax UID', meta.transferSyntaxUid]] as const) {
    if (!isUid(value)) return { part, ...ids, failureReason: CANNOT_UNDERSTAND, reason: `part ${part}: the File Meta ${name} is ${value === undefined || value === '' ? 'missing' : 'not a DICOM UID'} (PS3.5 §9.1)` };
  }
  return undefined;
}

/** The Store Instances Response Module (PS3.18 §10.5.3): what the PACS of record accepted and what was refused, and why. */
function stowResponse(stored: StowResult['stored'], refused: readonly Refusal[], retrieveUrl?: string): Record<string, unknown> {
  const ids = (i: { sopClassUid?: string; sopInstanceUid?: string }) => ({
    ...(i.sopClassUid ? { '00081150': { vr: 'UI', Value: [i.sopClassUid] } } : {}),
    ...(i.sopInstanceUid ? { '00081155': { vr: 'UI', Value: [i.sopInstanceUid] } } : {}),
  });
  return {
    ...(retrieveUrl ? { '00081190': { vr: 'UR', Value: [retrieveUrl] } } : {}),
    '00081199': { vr: 'SQ', Value: stored.map((i) => ({ ...ids(i), ...(i.retrieveUrl ? { '00081190': { vr: 'UR', Value: [i.retrieveUrl] } } : {}) })) },
    // Failure Reason, and the reason in words as an Error Comment (0000,0902), the DIMSE status's text field
    ...(refused.length ? { '00081198': { vr: 'SQ', Value: refused.map((r) => ({ ...ids(r), '00081197': { vr: 'US', Value: [r.failureReason] }, '00000902': { vr: 'LO', Value: [r.reason.slice(0, 1_024)] } })) } } : {}),
  };
}

/** In parallel, at most `limit` at a time; results in input order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      out[index] = await fn(items[index]!);
    }
  }));
  return out;
}

class RetryLater extends Error {}

/** The File Meta UIDs of a part that passed checkPart (so they are readable and valid). */
function checkedIds(bytes: Uint8Array): { sopClassUid?: string; sopInstanceUid?: string } {
  const meta = readFileMeta(bytes);
  return { ...(meta.sopClassUid ? { sopClassUid: meta.sopClassUid } : {}), ...(meta.sopInstanceUid ? { sopInstanceUid: meta.sopInstanceUid } : {}) };
}

/**
 * STOW-RS push endpoint (PS3.18 §10.5) for modalities and PACS routers: `POST /dicom-web/studies[/{study}]`.
 * Forward-then-track: instances are first stored in the PACS of record (so the PACS stays the single source of
 * truth and inference reads pixels from it like any polled study), then their studies are touched in Redis; only
 * then does the sender get its answer. Only binary Part-10 (`type="application/dicom"`) is accepted.
 *
 * Each instance gets its own outcome (issue 16, hostile input): parts that are not Part-10 files with valid UIDs
 * are refused here, the rest go to the PACS in one request, and when the PACS refuses that request the instances
 * are sent again one by one to learn which it refuses and why (storing one again is harmless). The answer is 200
 * when all were stored, 202 when some were (PS3.18 §10.5.3), 409 when none was; every refused instance is in the
 * Failed SOP Sequence with a Failure Reason and its reason in words, named by its part number and, when readable,
 * its UIDs. A PACS or Redis outage answers 503 with Retry-After for the whole request (resending is harmless).
 */
export async function stowRoute(app: FastifyInstance, options: StowRouteOptions): Promise<void> {
  app.addContentTypeParser('multipart/related', { parseAs: 'buffer', bodyLimit: options.maxBytes }, (_request, body, done) => done(null, body));

  // onRequest runs before Fastify reads the body: an unauthenticated peer is answered 401 from its headers alone,
  // instead of after up to `maxBytes` (1 GiB by default) of its body had been buffered in memory (issue 16, item 10).
  const authenticate = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!options.bearerToken) return;
    const given = Buffer.from(String(request.headers.authorization ?? ''));
    const expected = Buffer.from(`Bearer ${options.bearerToken}`);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      // the rest of the body is not wanted: close the connection once answered rather than drain it
      return failure(reply.header('connection', 'close'), 401, 'missing or wrong bearer token');
    }
  };

  /** Stores the checked parts; refusals by the PACS become Refusals, an outage throws RetryLater. */
  const forward = async (parts: ReadonlyArray<{ part: number; bytes: Uint8Array }>, studyUid: string | undefined, log: FastifyRequest['log']): Promise<{ stored: StowResult['stored']; refused: Refusal[]; retrieveUrl?: string }> => {
    const outage = (error: unknown, code: string) => {
      options.metrics.errors.labels('stow', code).inc();
      log.warn({ code, err: error }, 'STOW forward to the PACS of record failed; asking the sender to retry');
      return new RetryLater();
    };
    try {
      const result = await options.pacs.storeInstances(parts.map((p) => p.bytes), studyUid);
      return { stored: result.stored, refused: [], ...(result.retrieveUrl ? { retrieveUrl: result.retrieveUrl } : {}) };
    } catch (error) {
      const code = error instanceof LungFlowError ? error.code : 'UNEXPECTED';
      if (isRetriable(error)) throw outage(error, code);
      if (parts.length === 1) {
        options.metrics.errors.labels('stow', code).inc();
        log.warn({ code, err: error, part: parts[0]!.part }, 'the PACS of record refused an instance');
        const failed = (error as { details?: { failed?: StowResult['failed'] } }).details?.failed?.[0];
        const header = checkedIds(parts[0]!.bytes);
        return { stored: [], refused: [{ part: parts[0]!.part, ...header, failureReason: failed?.failureReason ?? PROCESSING_FAILURE, reason: `part ${parts[0]!.part}: the PACS of record refused it (${code}): ${(error as Error).message}` }] };
      }
    }
    // The PACS refused the request as a whole (Orthanc answers 400 when one part of many is unreadable, while storing
    // the others): one by one, to give each instance its own answer.
    const each = await mapLimit(parts, ONE_BY_ONE_IN_PARALLEL, (p) => forward([p], studyUid, log));
    return { stored: each.flatMap((e) => e.stored), refused: each.flatMap((e) => e.refused) };
  };

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const studyUid = (request.params as { studyUid?: string }).studyUid;
    if (studyUid !== undefined && !UID.test(studyUid)) return failure(reply, 400, 'study UID in the path is not a UID');
    const header = contentType(String(request.headers['content-type'] ?? ''));
    const boundary = header.params.boundary;
    if (header.mediaType !== 'multipart/related' || !boundary) return failure(reply, 415, 'expected multipart/related with a boundary');
    if ((header.params.type ?? 'application/dicom').toLowerCase() !== 'application/dicom') return failure(reply, 415, 'only type="application/dicom" (Part-10 binary) is accepted');
    let instances: Uint8Array[];
    try {
      instances = parseMultipart(request.body as Buffer, boundary).map((part) => part.body);
    } catch (error) {
      return failure(reply, 400, `multipart body could not be read: ${(error as Error).message}`);
    }
    if (instances.length === 0) return failure(reply, 400, 'no instances in the request');

    const refused: Refusal[] = [];
    const acceptable: Array<{ part: number; bytes: Uint8Array }> = [];
    instances.forEach((bytes, i) => {
      const refusal = checkPart(i + 1, bytes);
      if (refusal) refused.push(refusal);
      else acceptable.push({ part: i + 1, bytes });
    });
    if (refused.length) options.metrics.errors.labels('stow', 'DICOM_MALFORMED').inc(refused.length);

    let stored: StowResult['stored'] = [];
    let retrieveUrl: string | undefined;
    if (acceptable.length) {
      try {
        const result = await forward(acceptable, studyUid, request.log);
        stored = result.stored;
        retrieveUrl = result.retrieveUrl;
        refused.push(...result.refused);
      } catch (error) {
        if (error instanceof RetryLater) return failure(reply.header('retry-after', '10'), 503, 'PACS of record unavailable; retry later');
        throw error;
      }
    }
    refused.sort((a, b) => a.part - b.part);

    const studies = new Set<string>();
    for (const item of stored) {
      const uid = studyOf(item.retrieveUrl) ?? studyUid ?? studyOf(retrieveUrl);
      if (uid) studies.add(uid);
    }
    try {
      for (const uid of studies) await options.tracker.touch(uid, 'stow');
    } catch (error) {
      options.metrics.errors.labels('stow', 'STATE_UNAVAILABLE').inc();
      request.log.warn({ err: error }, 'stored in the PACS but could not record the study; asking the sender to retry');
      return failure(reply.header('retry-after', '10'), 503, 'could not record the study; retry later');
    }
    if (refused.length) request.log.info({ stored: stored.length, refused: refused.length, reasons: refused.slice(0, 5).map((r) => r.reason.slice(0, 200)) }, 'STOW: instances refused');
    const status = refused.length === 0 ? 200 : stored.length > 0 ? 202 : 409;
    return reply.code(status).type('application/dicom+json').send(stowResponse(stored, refused, retrieveUrl));
  };

  app.post('/dicom-web/studies', { onRequest: authenticate }, handler);
  app.post('/dicom-web/studies/:studyUid', { onRequest: authenticate }, handler);
}
