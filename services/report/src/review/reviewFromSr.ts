import { REVIEW_CODES, type NaturalizedDataset } from '@lungflow/dicom';
import { REVIEW_LABELS, type ReviewLabel } from './labels';

type Item = Record<string, unknown>;

/** What a review SR (libs/dicom reviewReport, TID 1500) says: the label, the agreement and the model SR it reviewed. */
export interface ReviewSrContent {
  label: ReviewLabel;
  agreesWithModel: boolean;
  /** SOP Instance UID of the model's SR the reviewer saw ("Reviewed AI result"). */
  modelSrSopInstanceUid?: string;
}

const codeOf = (sequence: unknown): { value?: unknown; scheme?: unknown } => {
  const item = (Array.isArray(sequence) ? sequence[0] : sequence) as Item | undefined;
  // a code value over 16 characters (SNOMED's 882784691000119100) travels as Long Code Value (PS3.3 §8.8)
  return { value: item?.CodeValue ?? item?.LongCodeValue ?? item?.URNCodeValue, scheme: item?.CodingSchemeDesignator };
};
const is = (code: { value?: unknown; scheme?: unknown }, expected: { value: string; scheme: string }) => code.value === expected.value && code.scheme === expected.scheme;

function* items(sequence: unknown): Generator<Item> {
  for (const item of (Array.isArray(sequence) ? sequence : sequence ? [sequence] : []) as Item[]) {
    yield item;
    yield* items(item.ContentSequence);
  }
}

/**
 * Reads back the label, the agreement and the reviewed model SR of a review SR, by the same codes the writer uses
 * (REVIEW_CODES, REVIEW_LABELS). Undefined when the SR names no known label or no agreement: a review SR is then not
 * LungFlow's, or from a version whose codes differ, and nothing is guessed.
 */
export function reviewFromSr(dataset: NaturalizedDataset): ReviewSrContent | undefined {
  let label: ReviewLabel | undefined;
  let agreesWithModel: boolean | undefined;
  let modelSrSopInstanceUid: string | undefined;
  for (const item of items(dataset.ContentSequence)) {
    const name = codeOf(item.ConceptNameCodeSequence);
    if (is(name, REVIEW_CODES.finding)) {
      const value = codeOf(item.ConceptCodeSequence);
      label = (Object.keys(REVIEW_LABELS) as ReviewLabel[]).find((key) => is(value, REVIEW_LABELS[key].code)) ?? label;
    } else if (is(name, REVIEW_CODES.agreement)) {
      const value = codeOf(item.ConceptCodeSequence);
      agreesWithModel = is(value, REVIEW_CODES.yes) ? true : is(value, REVIEW_CODES.no) ? false : undefined;
    } else if (is(name, REVIEW_CODES.reviewedAiResult) && typeof item.UID === 'string') {
      modelSrSopInstanceUid = item.UID;
    }
  }
  if (label === undefined || agreesWithModel === undefined) return undefined;
  return { label, agreesWithModel, ...(modelSrSopInstanceUid ? { modelSrSopInstanceUid } : {}) };
}
