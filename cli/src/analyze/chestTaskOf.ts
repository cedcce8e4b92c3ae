import { attr, classifyScope, type NaturalizedDataset } from '@lungflow/dicom';

const LATERAL_VIEWS = new Set(['LL', 'RL', 'LATERAL', 'LAT', 'LLD', 'RLD']);

/**
 * Which model an image of a DICOM file goes to, or why none. Files on disk have not been through ingest, so the
 * command applies the same scope rule (libs/dicom classifyScope: image SOP class, CR/DX/CT, no localizer, not
 * LungFlow's own output, no other anatomy named), except that a file naming no anatomy at all is accepted: the
 * user chose it. A lateral radiograph is skipped too: the CXR model was trained on frontal views only.
 */
export function chestTaskOf(dataset: NaturalizedDataset): { task: 'cxr' | 'ct'; reason?: undefined } | { task?: undefined; reason: string } {
  const scope = classifyScope(dataset, { acceptUnknownAnatomy: true });
  if (!scope.inScope) return { reason: `out of scope (${scope.reason}): ${scope.evidence}` };
  if (scope.kind === 'cxr') {
    const view = attr.string(dataset, 'ViewPosition')?.toUpperCase();
    if (view && LATERAL_VIEWS.has(view)) return { reason: `lateral view (${view}); the CXR model reads frontal views only` };
  }
  return { task: scope.kind };
}
