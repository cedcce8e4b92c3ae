import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { InferenceCompleted } from '@lungflow/contracts';
import { REPO_ROOT } from './paths';

const card = JSON.parse(readFileSync(path.join(REPO_ROOT, 'models/cxr-v1/card.json'), 'utf8')) as { id: string; version: string; files: { sha256: string } };

/** A positive `inference.completed` of the released CXR model for one stored instance, as infer would send it. */
export function completedEvent(study: { studyUid: string; seriesUid: string; sopUid: string }, sourcePacsId = 'orthanc-local'): InferenceCompleted {
  const probabilities = { covid19: 0.62, other_pneumonia: 0.25, no_finding: 0.13 };
  const decision = { className: 'covid19', threshold: 0.5, positive: true };
  return {
    schemaVersion: 1,
    studyInstanceUid: study.studyUid,
    studyVersion: 1,
    traceId: randomUUID().replace(/-/g, ''),
    sourcePacsId,
    results: [{ seriesInstanceUid: study.seriesUid, sopInstanceUid: study.sopUid, frame: 1, model: { id: card.id, version: card.version, sha256: card.files.sha256 }, probabilities, decision }],
    aggregate: { method: 'max', probabilities, decision, analysedImages: 1 },
    provenance: { lungflowVersion: '0.1.0', startedAt: new Date().toISOString(), finishedAt: new Date().toISOString() },
  };
}
