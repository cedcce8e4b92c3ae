import type {} from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { principalOf, requireRole } from '../auth/authenticate';
import { REVIEW_LABELS, SEVERITY_SCALES } from '../review/labels';
import { ReviewRefused, saveReview, type ReviewRequest, type SaveReviewDeps } from '../review/saveReview';
import type { StudyIdentityLookup } from '../worklist/StudyIdentity';
import { errorBody, studyParams } from './schemas';

export interface ReviewRoutesOptions extends SaveReviewDeps {
  identities: StudyIdentityLookup;
  onSaved?: (summary: Awaited<ReturnType<typeof saveReview>>, reportedAt: string | undefined) => void;
}

const reviewBody = {
  type: 'object',
  required: ['label', 'agreesWithModel', 'lesionMask'],
  additionalProperties: false,
  properties: {
    label: { type: 'string', enum: Object.keys(REVIEW_LABELS) },
    agreesWithModel: { type: 'boolean' },
    severity: { type: 'object', required: ['scale', 'value'], additionalProperties: false, properties: { scale: { type: 'string', enum: Object.keys(SEVERITY_SCALES) }, value: { type: 'integer', minimum: 0 } } },
    lesionMask: {
      type: 'object',
      required: ['rows', 'columns', 'bits'],
      additionalProperties: false,
      properties: { rows: { type: 'integer', minimum: 1, maximum: 16384 }, columns: { type: 'integer', minimum: 1, maximum: 16384 }, bits: { type: 'string', contentEncoding: 'base64' } },
    },
  },
} as const;

/** Saving a review (reviewer role): SEG + SR to the PACS, a new revision each time. */
export async function reviewRoutes(app: FastifyInstance, options: ReviewRoutesOptions): Promise<void> {
  app.post<{ Params: { studyInstanceUid: string }; Body: ReviewRequest }>(
    '/api/v1/studies/:studyInstanceUid/reviews',
    {
      preHandler: requireRole('reviewer'),
      // A 4096² mask packs to 2 MiB (2.8 MiB in base64).
      bodyLimit: 32 * 1024 * 1024,
      schema: { summary: 'Save a review: label, agreement, lesion outline (DICOM SEG + SR in the PACS, a new revision)', tags: ['review'], params: studyParams, body: reviewBody, response: { 400: errorBody, 403: errorBody, 404: errorBody } },
    },
    async (request, reply) => {
      try {
        const reportedAt = (await options.worklist.get(request.params.studyInstanceUid))?.reportedAt;
        const summary = await saveReview(options, request.params.studyInstanceUid, request.body, principalOf(request), request.socket.remoteAddress);
        options.onSaved?.(summary, reportedAt);
        return reply.code(201).send(summary);
      } catch (error) {
        if (error instanceof ReviewRefused) return reply.code(error.status).send({ error: error.status === 404 ? 'not_found' : 'invalid_review', message: error.message });
        if (error instanceof RangeError) return reply.code(400).send({ error: 'invalid_review', message: error.message });
        throw error;
      }
    },
  );

  app.get<{ Params: { studyInstanceUid: string } }>(
    '/api/v1/studies/:studyInstanceUid/review',
    { schema: { summary: "The latest saved review of a study (any reviewer) and the analysed image's grid (Rows, Columns) a lesion mask is drawn on", tags: ['review'], params: studyParams, response: { 404: errorBody } } },
    async (request, reply) => {
      const item = await options.worklist.get(request.params.studyInstanceUid);
      if (!item) return reply.code(404).send({ error: 'not_found', message: 'this study is not on the worklist' });
      const [latest, identity] = await Promise.all([options.reviews.latest(item.studyInstanceUid), options.identities.get(item.studyInstanceUid, item.source.sopInstanceUid)]);
      // Only the grid: this route also serves the open development mode, where identity is withheld.
      return { review: latest ?? null, rows: identity?.rows ?? null, columns: identity?.columns ?? null };
    },
  );
}
