import type { CtLungFindings, CtSliceLungFindings, LesionFindings } from '@lungflow/dicom';

/** What `--json` prints of an image's lesion findings: every number and where it came from, without the masks. */
export type LesionsJson = Omit<LesionFindings, 'lungMask' | 'lesionMask'>;

export function lesionsJson(findings: LesionFindings): LesionsJson {
  const { lungMask: _lungs, lesionMask: _lesions, ...numbers } = findings;
  return numbers;
}

/** One CT slice in `--json`: its numbers and where it is, without the grid masks. */
export type CtSliceJson = Omit<CtSliceLungFindings, 'lungMask' | 'lesionMask' | 'gridFactor'>;

/** A CT series' `lungs`, `lesions` and per-slice list as `--json` prints them (CtLungFindings without masks). */
export interface CtLungsJson {
  lungs: CtLungFindings['lungs'];
  lesions: CtLungFindings['lesions'];
  slices: CtSliceJson[];
}

export function ctLungsJson(findings: CtLungFindings): CtLungsJson {
  return {
    lungs: findings.lungs,
    lesions: findings.lesions,
    slices: findings.slices.map(({ lungMask: _lungs, lesionMask: _lesions, gridFactor: _factor, ...numbers }) => numbers),
  };
}
