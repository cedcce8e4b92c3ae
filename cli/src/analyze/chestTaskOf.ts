import { classifyScope, type NaturalizedDataset } from '@lungflow/dicom';

/**
 * Which model an image of a DICOM file goes to, or why none. Files on disk have not been through ingest, so the
 * command applies the same scope rule (libs/dicom classifyScope: image SOP class, CR/DX/CT, no localizer, not
 * LungFlow's own output, no other anatomy named), except that a file naming no anatomy at all is accepted: the
 * user chose it. A lateral radiograph is out by the same rule (the CXR model was trained on frontal views only).
 */
export function chestTaskOf(dataset: NaturalizedDataset): { task: 'cxr' | 'ct'; reason?: undefined } | { task?: undefined; reason: string } {
  const scope = classifyScope(dataset, { acceptUnknownAnatomy: true });
  if (!scope.inScope) return { reason: `out of scope (${scope.reason}): ${scope.evidence}` };
  return { task: scope.kind };
}
