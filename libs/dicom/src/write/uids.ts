import { createHash } from 'node:crypto';

/**
 * UIDs of LungFlow's results, derived from what was analysed and by which model, so that writing the same result
 * twice produces the same UIDs and the PACS overwrites instead of piling up duplicates.
 */

/**
 * `2.25.<decimal of the first 128 bits of SHA-256(parts)>` (PS3.5 §B.2: a UUID-derived UID under the 2.25 root;
 * at most 44 characters). Parts are joined with a separator that cannot occur in a UID, so ('1.2', '3') and
 * ('1', '2.3') differ.
 */
export function derivedUid(...parts: readonly string[]): string {
  const digest = createHash('sha256').update(parts.join('\u0000')).digest();
  return `2.25.${BigInt(`0x${digest.subarray(0, 16).toString('hex')}`).toString(10)}`;
}

/** What a result was derived from. */
export interface ResultSource {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  /** The model's version (with its id when versions are not unique across models). */
  modelVersion: string;
  /**
   * Every instance the result was computed from. A late series makes a new study version with a different set, so
   * its results get new UIDs (a PACS that keeps the first instance per UID, like Orthanc with OverwriteInstances
   * false, would otherwise keep the stale v1 SR); the same set always gives the same UIDs, in any order.
   */
  analysedSopInstanceUids: readonly string[];
}

export type ResultKind = 'sr' | 'sc' | 'seg';

export interface ResultUids {
  seriesInstanceUid: string;
  sopInstanceUid: string;
}

/**
 * Series and instance UIDs for one kind of result. The series depends on the source series, the model and the
 * analysed instance set (i.e. the study version's content), so all results of one model for one version of a source
 * series land in one new series; the instance also on the source instance.
 */
export function resultUids(source: ResultSource, kind: ResultKind): ResultUids {
  const instanceSet = createHash('sha256').update([...source.analysedSopInstanceUids].sort().join('\u0000')).digest('hex');
  const base = ['lungflow', kind, source.modelVersion, source.studyInstanceUid, source.seriesInstanceUid, instanceSet];
  return { seriesInstanceUid: derivedUid(...base, 'series'), sopInstanceUid: derivedUid(...base, source.sopInstanceUid, 'instance') };
}
