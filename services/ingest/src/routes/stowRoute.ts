import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { StowResult } from '@lungflow/dicomweb';
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

function studyOf(url: string | undefined): string | undefined {
  return url?.match(/\/studies\/([0-9.]+)/)?.[1];
}

function failure(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).type('application/json').send({ error: message });
}

/** The Store Instances Response Module (PS3.18 §10.5.3) for what the PACS of record accepted. */
function stowResponse(result: StowResult): Record<string, unknown> {
  const item = (i: StowResult['stored'][number]) => ({
    ...(i.sopClassUid ? { '00081150': { vr: 'UI', Value: [i.sopClassUid] } } : {}),
    ...(i.sopInstanceUid ? { '00081155': { vr: 'UI', Value: [i.sopInstanceUid] } } : {}),
    ...(i.retrieveUrl ? { '00081190': { vr: 'UR', Value: [i.retrieveUrl] } } : {}),
  });
  return {
    ...(result.retrieveUrl ? { '00081190': { vr: 'UR', Value: [result.retrieveUrl] } } : {}),
    '00081199': { vr: 'SQ', Value: result.stored.map(item) },
  };
}

/**
 * STOW-RS push endpoint (PS3.18 §10.5) for modalities and PACS routers: `POST /dicom-web/studies[/{study}]`.
 * Forward-then-track: instances are first stored in the PACS of record (so the PACS stays the single source of
 * truth and inference reads pixels from it like any polled study), then their studies are touched in Redis; only
 * then does the sender get 200. If either step fails the sender gets 409/503 and may resend (storing again is
 * harmless). Only binary Part-10 (`type="application/dicom"`) is accepted.
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

    let result: StowResult;
    try {
      result = await options.pacs.storeInstances(instances, studyUid);
    } catch (error) {
      const code = error instanceof LungFlowError ? error.code : 'UNEXPECTED';
      options.metrics.errors.labels('stow', code).inc();
      request.log.warn({ code, err: error }, 'STOW forward to the PACS of record failed');
      if (isRetriable(error)) return failure(reply.header('retry-after', '10'), 503, 'PACS of record unavailable; retry later');
      return failure(reply, 409, `PACS of record refused the instances (${code})`);
    }

    const studies = new Set<string>();
    for (const stored of result.stored) {
      const uid = studyOf(stored.retrieveUrl) ?? studyUid ?? studyOf(result.retrieveUrl);
      if (uid) studies.add(uid);
    }
    try {
      for (const uid of studies) await options.tracker.touch(uid, 'stow');
    } catch (error) {
      options.metrics.errors.labels('stow', 'STATE_UNAVAILABLE').inc();
      request.log.warn({ err: error }, 'stored in the PACS but could not record the study; asking the sender to retry');
      return failure(reply.header('retry-after', '10'), 503, 'could not record the study; retry later');
    }
    return reply.code(200).type('application/dicom+json').send(stowResponse(result));
  };

  app.post('/dicom-web/studies', { onRequest: authenticate }, handler);
  app.post('/dicom-web/studies/:studyUid', { onRequest: authenticate }, handler);
}
