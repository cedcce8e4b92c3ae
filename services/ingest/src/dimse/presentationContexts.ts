import { DECODABLE_TRANSFER_SYNTAXES, TRANSFER_SYNTAX } from '@lungflow/dicom';

export const VERIFICATION_SOP_CLASS = '1.2.840.10008.1.1';
/** Every Storage SOP Class lives under this root (PS3.4 Annex B.5, PS3.6 Annex A). */
const STORAGE_SOP_CLASS_ROOT = '1.2.840.10008.5.1.4.1.1.';

/**
 * Transfer syntaxes ingest accepts: those whose pixels LungFlow's pipeline reads (native, plus the compressed ones
 * DECODABLE_TRANSFER_SYNTAXES lists). Instances are forwarded to the PACS as received, never transcoded, so a
 * syntax outside this set is refused at association time rather than stored and later dead-lettered by infer.
 */
export const ACCEPTED_TRANSFER_SYNTAXES: ReadonlySet<string> = new Set([
  TRANSFER_SYNTAX.explicitLittle,
  TRANSFER_SYNTAX.implicitLittle,
  TRANSFER_SYNTAX.deflatedExplicitLittle,
  TRANSFER_SYNTAX.explicitBig,
  ...DECODABLE_TRANSFER_SYNTAXES,
]);

export type ContextDecision =
  | { accept: true; transferSyntaxUid: string }
  | { accept: false; reason: 'abstract-syntax-not-supported' | 'transfer-syntaxes-not-supported' };

/**
 * What to answer for one proposed presentation context (PS3.8 §9.3.2.2): Verification and any Storage SOP Class
 * are accepted; the first proposed transfer syntax we accept wins, as the requester lists them by preference
 * (PS3.8 §7.1.1.13 leaves the choice to the acceptor; honouring the order keeps a modality's compressed choice).
 */
export function decideContext(abstractSyntaxUid: string, proposedTransferSyntaxUids: readonly string[]): ContextDecision {
  if (abstractSyntaxUid !== VERIFICATION_SOP_CLASS && !abstractSyntaxUid.startsWith(STORAGE_SOP_CLASS_ROOT)) {
    return { accept: false, reason: 'abstract-syntax-not-supported' };
  }
  const chosen = proposedTransferSyntaxUids.find((uid) => ACCEPTED_TRANSFER_SYNTAXES.has(uid));
  return chosen === undefined ? { accept: false, reason: 'transfer-syntaxes-not-supported' } : { accept: true, transferSyntaxUid: chosen };
}

/** AE titles are up to 16 characters, compared without their space padding (PS3.5 §6.2, VR AE). */
export function normaliseAeTitle(aeTitle: string): string {
  return aeTitle.trim();
}

/** `*` admits any calling AE title (a trial set-up); otherwise only the listed ones. */
export function isCallingAeAllowed(callingAeTitle: string, allowed: readonly string[]): boolean {
  const title = normaliseAeTitle(callingAeTitle);
  return allowed.includes('*') || allowed.some((entry) => normaliseAeTitle(entry) === title);
}
