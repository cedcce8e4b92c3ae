import { unpackMask, type InstanceResult } from '@lungflow/contracts';
import type { LesionFindings } from '@lungflow/dicom';

/**
 * The lesion findings of an instance result (`inference.completed` `results[i].lesions`, libs/contracts
 * lesions.ts) as the writers take them: the two model-grid masks unpacked from their bits. undefined for a result
 * without lesions (models without a lesion output, CT, older producers).
 */
export function lesionsOf(result: InstanceResult): LesionFindings | undefined {
  const { lesions } = result;
  if (!lesions) return undefined;
  return { ...lesions, lungMask: unpackMask(lesions.lungMask), lesionMask: unpackMask(lesions.lesionMask) };
}
