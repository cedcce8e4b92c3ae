import type { Code } from '@lungflow/dicom';

/** The reviewer's labels and their codes (the CXR model card's codes, plus Indeterminate): the SR's Finding. */
export const REVIEW_LABELS = {
  covid19: { display: 'COVID-19', code: { value: '882784691000119100', scheme: 'SCT', meaning: 'Pneumonia caused by SARS-CoV-2' } },
  other_pneumonia: { display: 'Other pneumonia', code: { value: '233604007', scheme: 'SCT', meaning: 'Pneumonia' } },
  no_finding: { display: 'No finding', code: { value: '17621005', scheme: 'SCT', meaning: 'Normal' } },
  indeterminate: { display: 'Indeterminate', code: { value: '82334004', scheme: 'SCT', meaning: 'Indeterminate' } },
} as const satisfies Record<string, { display: string; code: Code }>;
export type ReviewLabel = keyof typeof REVIEW_LABELS;

/** Optional severity scores: Brixia (CXR, 0–18) and the CT severity score (0–25). */
export const SEVERITY_SCALES = {
  brixia: { max: 18, code: { value: 'BRIXIA', scheme: '99LUNGFLOW', meaning: 'Brixia score' } },
  ctss: { max: 25, code: { value: 'CTSS', scheme: '99LUNGFLOW', meaning: 'CT severity score' } },
} as const satisfies Record<string, { max: number; code: Code }>;
export type SeverityScale = keyof typeof SEVERITY_SCALES;
