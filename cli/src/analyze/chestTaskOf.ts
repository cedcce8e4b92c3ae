import { attr, type NaturalizedDataset } from '@lungflow/dicom';

const LATERAL_VIEWS = new Set(['LL', 'RL', 'LATERAL', 'LAT', 'LLD', 'RLD']);
const NON_CHEST_BODY_PARTS = /^(HEAD|BRAIN|SKULL|NECK|CSPINE|LSPINE|PELVIS|HIP|KNEE|ANKLE|FOOT|HAND|WRIST|ELBOW|SHOULDER|EXTREMITY|ABDOMEN)$/;

/**
 * Which model an image of a DICOM file goes to, or why none: CR/DX to the CXR model unless the view is lateral (the
 * model was trained on frontal views only), CT to the CT model; a Body Part Examined that names another region is out
 * of scope. Files on disk have not been through ingest's scope filter, so the command applies this one.
 */
export function chestTaskOf(dataset: NaturalizedDataset, sopClassUid?: string): { task: 'cxr' | 'ct'; reason?: undefined } | { task?: undefined; reason: string } {
  if (dataset.PixelData === undefined && sopClassUid && /^1\.2\.840\.10008\.5\.1\.4\.1\.1\.(88|11|66|104)\./.test(sopClassUid)) {
    return { reason: `SOP class ${sopClassUid} is not an image` };
  }
  const modality = attr.string(dataset, 'Modality')?.toUpperCase();
  const bodyPart = attr.string(dataset, 'BodyPartExamined')?.toUpperCase();
  if (bodyPart && NON_CHEST_BODY_PARTS.test(bodyPart)) return { reason: `Body Part Examined is ${bodyPart}, not chest` };
  if (modality === 'CR' || modality === 'DX') {
    const view = attr.string(dataset, 'ViewPosition')?.toUpperCase();
    if (view && LATERAL_VIEWS.has(view)) return { reason: `lateral view (${view}); the CXR model reads frontal views only` };
    return { task: 'cxr' };
  }
  if (modality === 'CT') return { task: 'ct' };
  return { reason: `modality ${modality ?? '(none)'} is not CR, DX or CT` };
}
