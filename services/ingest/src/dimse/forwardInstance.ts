import { TRANSFER_SYNTAX, isDicomError, readFileMeta, readPart10Header } from '@lungflow/dicom';
import type { Part10Header } from '@lungflow/dicom';
import type { StowResult } from '@lungflow/dicomweb';
import { LungFlowError, isRetriable, type ErrorCode } from '@lungflow/errors';
import type { StudyTracker } from '../studyTracker';

/** C-STORE response statuses (PS3.4 Annex B.2.3, PS3.7 Annex C). */
export const STORE_STATUS = {
  success: 0x0000,
  /** "Refused: Out of Resources": the sender may try again later (a PACS or Redis outage). */
  outOfResources: 0xa700,
  /** "Error: Cannot understand": the PACS refused the instance or it could not be read; resending will not help. */
  cannotUnderstand: 0xc000,
} as const;

export interface StoreOutcome {
  status: number;
  /** Error code of the failure (metric label, from the catalogue), absent on success. */
  code?: ErrorCode;
  studyInstanceUid?: string;
  comment?: string;
}

export interface ForwardDeps {
  /** The PACS of record (DicomWebClient.storeInstances). */
  pacs: { storeInstances(instances: readonly Uint8Array[], studyUid?: string): Promise<StowResult> };
  tracker: Pick<StudyTracker, 'touch'>;
}

function studyOf(url: string | undefined): string | undefined {
  return url?.match(/\/studies\/([0-9.]+)/)?.[1];
}

/**
 * Forward-then-track for one C-STORE, the same rule as the STOW-RS route: store the instance in the PACS of record,
 * then record its study in Redis (which (re)starts the study's quiet period, so a study sent over several
 * associations is still one study with one event), and only then answer Success. A failure in either step answers
 * a failure status, and the sender resends (storing the same instance again is harmless).
 */
export async function forwardInstance(deps: ForwardDeps, part10: Uint8Array): Promise<StoreOutcome> {
  // A Deflated data set (PS3.5 §A.5) is inflated here, capped, before the PACS sees it: a deflate bomb (64 KiB on
  // the wire, 64 MiB or gigabytes inflated) is refused with DICOM_TOO_LARGE instead of being stored, inflated whole
  // by every reader after us. Other syntaxes cost nothing up front: the PACS judges them, as for STOW-RS.
  let header: Part10Header | undefined;
  try {
    if (readFileMeta(part10).transferSyntaxUid === TRANSFER_SYNTAX.deflatedExplicitLittle) header = readPart10Header(part10);
  } catch (error) {
    const code: ErrorCode = isDicomError(error) ? error.code : 'UNEXPECTED';
    return { status: STORE_STATUS.cannotUnderstand, code, comment: `${code}: ${(error as Error).message}` };
  }
  let result: StowResult;
  try {
    result = await deps.pacs.storeInstances([part10]);
  } catch (error) {
    const code: ErrorCode = error instanceof LungFlowError ? error.code : 'UNEXPECTED';
    if (isRetriable(error)) return { status: STORE_STATUS.outOfResources, code, comment: 'PACS of record unavailable; retry later' };
    return { status: STORE_STATUS.cannotUnderstand, code, comment: `PACS of record refused the instance (${code})` };
  }
  let studyInstanceUid = studyOf(result.stored[0]?.retrieveUrl) ?? studyOf(result.retrieveUrl);
  try {
    studyInstanceUid ??= (header ?? readPart10Header(part10)).studyInstanceUid;
  } catch {
    studyInstanceUid = undefined;
  }
  if (!studyInstanceUid) return { status: STORE_STATUS.cannotUnderstand, code: 'DICOM_MALFORMED', comment: 'stored, but the instance names no Study Instance UID' };
  try {
    await deps.tracker.touch(studyInstanceUid, 'dimse');
  } catch {
    return { status: STORE_STATUS.outOfResources, code: 'STATE_UNAVAILABLE', studyInstanceUid, comment: 'could not record the study; retry later' };
  }
  return { status: STORE_STATUS.success, studyInstanceUid };
}
