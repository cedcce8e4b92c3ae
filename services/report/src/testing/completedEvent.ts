import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { InferenceCompleted } from '@lungflow/contracts';

const REPO = path.resolve(__dirname, '../../../..');
const card = JSON.parse(readFileSync(path.join(REPO, 'models/cxr-v1/card.json'), 'utf8')) as { id: string; version: string; files: { sha256: string } };

/** An inference.completed of the released CXR model for one image, positive for COVID-19 (integration tests). */
export function completedEvent(study: { studyUid: string; seriesUid: string; sopUid: string }, probabilities: Record<string, number> = { covid19: 0.62, other_pneumonia: 0.25, no_finding: 0.13 }): InferenceCompleted {
  const decision = { className: 'covid19', threshold: 0.5, positive: (probabilities.covid19 ?? 0) >= 0.5 };
  return {
    schemaVersion: 1,
    studyInstanceUid: study.studyUid,
    studyVersion: 1,
    traceId: randomUUID().replace(/-/g, ''),
    sourcePacsId: 'orthanc-local',
    results: [{ seriesInstanceUid: study.seriesUid, sopInstanceUid: study.sopUid, frame: 1, model: { id: card.id, version: card.version, sha256: card.files.sha256 }, probabilities, decision }],
    aggregate: { method: 'max', probabilities, decision, analysedImages: 1 },
    provenance: { lungflowVersion: '0.1.0', startedAt: new Date().toISOString(), finishedAt: new Date().toISOString() },
  };
}

/** The released CXR model's id and version, as the events above carry them. */
export const cxrModel = { id: card.id, version: card.version };
