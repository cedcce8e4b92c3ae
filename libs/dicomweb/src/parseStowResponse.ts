import type { DicomJson } from './DicomJson';
import { firstString } from './DicomJson';

/** One instance in a STOW-RS response (PS3.18 §10.5.3, Table 10.5.3-1). */
export interface StowInstance {
  sopClassUid?: string;
  sopInstanceUid?: string;
  retrieveUrl?: string;
  /** Failure Reason (0008,1197), PS3.18 Table 10.5.3-2, for failed instances. */
  failureReason?: number;
  /** Warning Reason (0008,1196) for stored instances that the PACS coerced. */
  warningReason?: number;
}

export interface StowResult {
  /** Retrieve URL (0008,1190) of the study. */
  retrieveUrl?: string;
  stored: StowInstance[];
  failed: StowInstance[];
  /**
   * Instances the PACS refused only because it already holds that SOP Instance UID (`isDuplicateFailure`);
   * DicomWebClient.storeInstances counts them as stored and leaves them out of `failed`.
   */
  alreadyStored?: StowInstance[];
}

/**
 * Failure Reasons that say "this SOP Instance UID is already stored": 0x0111 Duplicate SOP Instance (PS3.7 Annex
 * C.4, the DIMSE status), which PACSes also put in a STOW-RS FailedSOPSequence, and 0xB00E (45070), which the
 * Microsoft/Azure DICOM service answers with a 409 for a POST of an instance it has (its conformance statement).
 */
export const DUPLICATE_FAILURE_REASONS: readonly number[] = [0x0111, 0xb00e];

export function isDuplicateFailure(instance: StowInstance): boolean {
  return instance.failureReason !== undefined && DUPLICATE_FAILURE_REASONS.includes(instance.failureReason);
}

const REFERENCED_SOP_SEQUENCE = '00081199';
const FAILED_SOP_SEQUENCE = '00081198';

/** Reads the Store Instances Response Module out of a STOW-RS JSON answer (an array of one data set, or the set). */
export function parseStowResponse(json: unknown): StowResult {
  const dataset = (Array.isArray(json) ? json[0] : json) as DicomJson | undefined;
  if (dataset === undefined || dataset === null || typeof dataset !== 'object') return { stored: [], failed: [] };
  const items = (tag: string): StowInstance[] =>
    ((dataset[tag]?.Value ?? []) as DicomJson[]).map((item) => {
      const instance: StowInstance = {};
      const set = <K extends keyof StowInstance>(key: K, value: StowInstance[K] | undefined): void => {
        if (value !== undefined) instance[key] = value;
      };
      set('sopClassUid', firstString(item, '00081150'));
      set('sopInstanceUid', firstString(item, '00081155'));
      set('retrieveUrl', firstString(item, '00081190'));
      const failure = firstString(item, '00081197');
      set('failureReason', failure === undefined ? undefined : Number(failure));
      const warning = firstString(item, '00081196');
      set('warningReason', warning === undefined ? undefined : Number(warning));
      return instance;
    });
  const result: StowResult = { stored: items(REFERENCED_SOP_SEQUENCE), failed: items(FAILED_SOP_SEQUENCE) };
  const retrieveUrl = firstString(dataset, '00081190');
  if (retrieveUrl !== undefined) result.retrieveUrl = retrieveUrl;
  return result;
}

/** Human words for PS3.18 Table 10.5.3-2 / PS3.4 Annex B failure reasons, for error messages. */
export function describeFailureReason(reason: number | undefined): string {
  if (reason === undefined) return 'no reason given';
  const hex = `0x${reason.toString(16).toUpperCase().padStart(4, '0')}`;
  if (reason >= 0xa700 && reason <= 0xa7ff) return `${hex} refused: out of resources`;
  if (reason >= 0xa900 && reason <= 0xa9ff) return `${hex} data set does not match SOP class`;
  if (reason >= 0xc000 && reason <= 0xcfff) return `${hex} cannot understand`;
  const known: Record<number, string> = {
    0x0110: 'processing failure',
    0x0111: 'duplicate SOP instance',
    0x0122: 'SOP class not supported',
    0x0124: 'not authorized',
  };
  if (reason === 0xb00e) return `${hex} SOP instance already exists`;
  return `${hex} ${known[reason] ?? 'failure'}`;
}
