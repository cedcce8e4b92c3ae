import type { InstanceListing, SeriesListing } from './pacs/StudyInventory';

/** Attributes by DICOM keyword (as @lungflow/dicom's DICOM-JSON converter gives them). */
export type DicomAttributes = Record<string, unknown>;

export type ScopeDecision = { inScope: true; kind: 'cxr' | 'ct' } | { inScope: false; reason: string };

/** The shared scope rule of @lungflow/dicom (modality, chest, pixel-data SOP class, not LungFlow's own output). */
export type ScopeClassifier = (attrs: DicomAttributes) => ScopeDecision;

export type SeriesDecision =
  | { inScope: true; kind: 'cxr' | 'ct'; instances: InstanceListing[]; attrs: DicomAttributes }
  | { inScope: false; reason: string };

/** Reason label for CT series below INGEST_CT_MIN_SLICES (series level; same label as @lungflow/dicom's scope rule). */
export const CT_TOO_THIN = 'too-few-slices';

/**
 * Decides one series from the full metadata of its first instance. Instances of another SOP class than that one
 * (rare: a series is normally one class) are left out rather than classified one by one. CT series thinner than
 * `ctMinSlices` (instances × frames) are out: too few slices to classify a chest CT.
 */
export function decideSeries(series: SeriesListing, attrs: DicomAttributes, classify: ScopeClassifier, ctMinSlices: number): SeriesDecision {
  const scope = classify(attrs);
  if (!scope.inScope) return scope;
  const sopClass = typeof attrs.SOPClassUID === 'string' ? attrs.SOPClassUID : undefined;
  const instances = series.instances.filter((instance) => sopClass === undefined || instance.sopClassUid === '' || instance.sopClassUid === sopClass);
  if (scope.kind === 'ct') {
    const slices = instances.reduce((sum, instance) => sum + Math.max(1, instance.numberOfFrames), 0);
    if (slices < ctMinSlices) return { inScope: false, reason: CT_TOO_THIN };
  }
  return { inScope: true, kind: scope.kind, instances, attrs };
}
