import type { LesionFindings } from '@lungflow/dicom';

/** What `--json` prints of an image's lesion findings: every number and where it came from, without the masks. */
export type LesionsJson = Omit<LesionFindings, 'lungMask' | 'lesionMask'>;

export function lesionsJson(findings: LesionFindings): LesionsJson {
  const { lungMask: _lungs, lesionMask: _lesions, ...numbers } = findings;
  return numbers;
}
