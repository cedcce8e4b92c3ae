import type { AnalysisResult } from '../AnalysisResult';
import type { NaturalizedDataset } from '../../read';

/** The model card's class codes as the model team uses them; the writers take them as input. */
export const CXR_CLASSES = [
  { name: 'covid19', code: { value: '882784691000119100', scheme: 'SCT', meaning: 'Pneumonia caused by SARS-CoV-2' } },
  { name: 'other_pneumonia', code: { value: '233604007', scheme: 'SCT', meaning: 'Pneumonia' } },
  { name: 'no_finding', code: { value: '17621005', scheme: 'SCT', meaning: 'Normal' } },
];

export function analysis(source: NaturalizedDataset, overrides: Partial<AnalysisResult> = {}): AnalysisResult {
  return {
    source,
    model: { id: 'cxr-test', name: 'LungFlow CXR test model', version: '1.2.3', fileSha256: 'f'.repeat(64) },
    classes: CXR_CLASSES.map((c, i) => ({ ...c, probability: [0.8123456789, 0.15, 0.0376543211][i] as number })),
    decision: { className: 'covid19', threshold: 0.42, positive: true },
    softwareVersion: '0.1.0',
    now: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)),
    ...overrides,
  };
}
