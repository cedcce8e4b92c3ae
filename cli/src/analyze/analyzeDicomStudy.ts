import { LungFlowError } from '@lungflow/errors';
import type { ModelSet } from '@lungflow/inference';
import type { AnalysisInput } from './collectInputs';
import type { AnalysisResult } from './AnalysisResult';
import type { OutputWriter } from './OutputWriter';

export async function analyzeDicomStudy(input: Extract<AnalysisInput, { kind: 'dicom' }>, _models: ModelSet, _outputs: OutputWriter): Promise<AnalysisResult> {
  throw new LungFlowError('NOT_IMPLEMENTED', `DICOM input ${input.input} is not analysed yet`);
}
