import type {} from '@fastify/swagger';
import type { FastifyInstance } from 'fastify';
import { principalOf } from '../auth/authenticate';
import { maySeePatientIdentity } from '../auth/Principal';
import type { ReviewStore } from '../review/ReviewStore';
import type { NotAnalysedStore } from '../worklist/NotAnalysedStore';
import type { StudyIdentityLookup } from '../worklist/StudyIdentity';
import type { WorklistFilter, WorklistStore } from '../worklist/WorklistStore';
import { listQuery } from './schemas';

export interface WorklistRowsOptions {
  worklist: WorklistStore;
  notAnalysed: NotAnalysedStore;
  identities: StudyIdentityLookup;
  reviews: ReviewStore;
}

/**
 * What the page shows a radiologist: each worklist item with the patient's name and ID, accession number, study
 * description and acquisition time (read from the PACS, only for an authenticated user), how long it has waited,
 * its latest review; studies LungFlow could not analyse ("not analysed", with the reason); and a small summary
 * (reviewed fraction, agreement with the model). Patient identity never goes to the log.
 */
export async function worklistRowsRoutes(app: FastifyInstance, options: WorklistRowsOptions): Promise<void> {
  const { worklist, notAnalysed, identities, reviews } = options;
  app.get<{ Querystring: WorklistFilter }>(
    '/api/v1/worklist/rows',
    { schema: { summary: 'The worklist as the page shows it: identity (authenticated users only), waiting time, reviews, not analysed studies, summary', tags: ['worklist'], querystring: listQuery } },
    async (request) => {
      const now = new Date();
      const phi = maySeePatientIdentity(principalOf(request));
      const [items, failed, reviewed] = await Promise.all([worklist.list(request.query, now), notAnalysed.list(), reviews.all()]);
      const listed = new Set(items.map((i) => i.studyInstanceUid));
      const identity = (study: string, sop?: string) => (phi ? identities.get(study, sop).then((id) => id ?? null) : Promise.resolve(null));
      const rows = await Promise.all(
        items.map(async (item) => ({
          ...item,
          identity: await identity(item.studyInstanceUid, item.source.sopInstanceUid),
          waitingSeconds: Math.max(0, Math.round((now.getTime() - Date.parse(item.listedAt)) / 1000)),
          review: reviewed.get(item.studyInstanceUid) ?? null,
        })),
      );
      // A decision or modality filter asks for results; a study with a result shows that instead of its old failure.
      const unlisted = request.query.decision || request.query.modality ? [] : failed.filter((f) => !listed.has(f.studyInstanceUid));
      const notAnalysedRows = await Promise.all(
        unlisted.map(async (f) => ({ ...f, identity: await identity(f.studyInstanceUid), waitingSeconds: Math.max(0, Math.round((now.getTime() - Date.parse(f.failedAt)) / 1000)) })),
      );
      const reviewedRows = rows.filter((r) => r.review);
      return {
        generatedAt: now.toISOString(),
        patientIdentity: phi,
        items: rows,
        notAnalysed: notAnalysedRows,
        summary: {
          listed: rows.length,
          reviewed: reviewedRows.length,
          agreed: reviewedRows.filter((r) => r.review?.agreesWithModel).length,
          notAnalysed: notAnalysedRows.length,
          positives: rows.filter((r) => r.decision.positive).length,
        },
      };
    },
  );
}
