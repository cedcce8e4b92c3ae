import type { LesionFindings } from '../LesionFindings';
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

/**
 * Lesion findings made by hand on a 112×112 model grid: two lungs as rectangles (the patient's right lung on the
 * image's left), an L-shaped lesion in the lower right lung, the CAM peak inside it. Numbers are what a writer must copy, not
 * a model's output.
 */
export function lesionFindings(overrides: Partial<LesionFindings> = {}): LesionFindings {
  const size = 112;
  const lungMask = new Uint8Array(size * size);
  const lesionMask = new Uint8Array(size * size);
  for (let y = 20; y < 92; y += 1) {
    for (let x = 14; x < 50; x += 1) lungMask[y * size + x] = 1;
    for (let x = 62; x < 98; x += 1) lungMask[y * size + x] = 1;
  }
  // An irregular lesion: a 20×24 block without its top right corner (so its outline is no rectangle).
  for (let y = 60; y < 84; y += 1) for (let x = 20; x < 40; x += 1) if (!(y < 66 && x >= 34)) lesionMask[y * size + x] = 1;
  const zone = (areaFraction: number, brixia: number | null) => ({ areaFraction, areaMm2: null, brixia });
  return {
    supervision: 'weakly supervised from the classifier CAM inside the lungs (hand-made test fixture)',
    total: { areaFraction: 0.0926, areaMm2: 1234.5 },
    lungs: { right: { areaFraction: 0.1852, areaMm2: 1234.5 }, left: { areaFraction: 0, areaMm2: 0 } },
    zones: {
      rightUpper: zone(0, 0.1),
      rightMiddle: zone(0.1, 1.2),
      rightLower: zone(0.45, 2.4),
      leftUpper: zone(0, 0),
      leftMiddle: zone(0, 0.3),
      leftLower: zone(0, 0.5),
    },
    severity: { extent: 2.5, opacity: 1.75, brixiaGlobal: 4.5 },
    clinical: [
      { id: 'crp', display: 'C-reactive protein', unit: 'mg/L', value: 42.5, modelId: 'cxr-test/lesions/crp' },
      { id: 'ldh', display: 'Lactate dehydrogenase', unit: 'U/L', value: null, modelId: 'cxr-test/lesions/ldh' },
    ],
    lungMask: { width: size, height: size, data: lungMask },
    lesionMask: { width: size, height: size, data: lesionMask },
    peak: { x: 30.5 / size, y: 72.5 / size },
    ...overrides,
  };
}
