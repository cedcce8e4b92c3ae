import { derivedUid } from './uids';

export type ReviewKind = 'review-sr' | 'review-seg';

/**
 * UIDs of one review save: the series is per study and kind (all reviews of a study sit in two series), the instance
 * per (study, reviewer, revision), so saving the same revision again overwrites it and a new revision is a new object.
 */
export function reviewUids(studyInstanceUid: string, username: string, revision: number, kind: ReviewKind): { seriesInstanceUid: string; sopInstanceUid: string } {
  return {
    seriesInstanceUid: derivedUid('lungflow', kind, studyInstanceUid, 'series'),
    sopInstanceUid: derivedUid('lungflow', kind, studyInstanceUid, username, String(revision), 'instance'),
  };
}
