import { LUNGFLOW_MANUFACTURER, LUNGFLOW_MODEL_NAME } from '../identity';
import { attr, type NaturalizedDataset } from '../read/attr';
import { anatomyOfText, CHEST_CODES, NON_CHEST_CODES, type AnatomyVerdict } from './anatomyTerms';
import { IMAGE_STORAGE_SOP_CLASSES, isImageStorageSopClass } from './imageSopClasses';

export type ScopeKind = 'cxr' | 'ct';

export type OutOfScopeReason =
  /** LungFlow's own SR or Secondary Capture, recognised by its equipment identity. */
  | 'lungflow-output'
  /** A SOP class without an image (SR, KOS, presentation state...), or one not fit for its modality. */
  | 'not-an-image'
  /** Not CR, DX or CT. */
  | 'modality'
  /** A CT localizer (scout): a projection, not a slice. */
  | 'localizer'
  /** The anatomy named is not the chest. */
  | 'body-part'
  /** Nothing names the anatomy, and `acceptUnknownAnatomy` is off. */
  | 'body-part-unknown'
  /** A lateral (or decubitus) radiograph: the CXR model was trained on frontal views only. */
  | 'not-frontal'
  /** A CT series with fewer instances than `minCtSlices`. */
  | 'too-few-slices';

export type ScopeDecision =
  | { inScope: true; kind: ScopeKind; evidence: string }
  | { inScope: false; reason: OutOfScopeReason; evidence: string };

export interface ScopeOptions {
  /** Accept CR/DX/CT whose anatomy no attribute names (default false: chest must be named). */
  acceptUnknownAnatomy?: boolean;
  /** Instances (or frames) in the series, when the caller knows it; checked against minCtSlices for CT. */
  seriesInstanceCount?: number;
  /** Fewest CT slices worth analysing (default 1: any). */
  minCtSlices?: number;
}

const CT_IMAGE_SOP_CLASSES = new Set(['1.2.840.10008.5.1.4.1.1.2', '1.2.840.10008.5.1.4.1.1.2.1', '1.2.840.10008.5.1.4.1.1.2.2']);
const CXR_MODALITIES = new Set(['CR', 'DX']);
/** View Position values (PS3.3 C.8.11.5) of radiographs that are not frontal. */
const NON_FRONTAL_VIEWS = new Set(['LL', 'RL', 'LATERAL', 'LAT', 'LLD', 'RLD', 'LLO', 'RLO']);

/**
 * Decides whether LungFlow analyses an object, from its attributes only (a naturalized data set: readPart10's
 * `dataset`, or dicomWebJsonToNaturalized of WADO-RS metadata). The checks, in order:
 * 1. LungFlow's own output, by Manufacturer + Manufacturer's Model Name (top level or Contributing Equipment
 *    Sequence) equal to the identity constants: never a description, which users may edit or copy.
 * 2. SOP Class: an image storage class (IMAGE_STORAGE_SOP_CLASSES). CT must be a CT image class: a Secondary
 *    Capture with Modality CT is a dose sheet or a screenshot. A radiograph may be CR, DX or a Secondary Capture
 *    (digitised film).
 * 3. Modality CR or DX (kind 'cxr') or CT (kind 'ct'); CT localizers (Image Type LOCALIZER) are out.
 * 4. Anatomy, from the most specific attribute that names one: Body Part Examined, Anatomic Region Sequence (top
 *    level or Frame Anatomy functional group), Series Description, Protocol Name, CT Filter Type (GE names its
 *    bowtie filters "HEAD FILTER" / "BODY FILTER"), Performed and Requested Procedure descriptions, Study
 *    Description. A chest word wins within one attribute ("CHEST ABD PELVIS" is chest).
 * 5. Radiographs: a lateral or decubitus View Position is out (the CXR model reads frontal views only).
 * 6. CT series size, when the caller passes it.
 */
export function classifyScope(dataset: NaturalizedDataset, options: ScopeOptions = {}): ScopeDecision {
  const own = lungflowEquipment(dataset);
  if (own !== undefined) return { inScope: false, reason: 'lungflow-output', evidence: own };

  const sopClass = attr.string(dataset, 'SOPClassUID');
  if (sopClass !== undefined && !isImageStorageSopClass(sopClass)) {
    return { inScope: false, reason: 'not-an-image', evidence: `SOP Class ${sopClass} is not an image storage class` };
  }
  const modality = attr.string(dataset, 'Modality')?.toUpperCase();
  let kind: ScopeKind;
  if (modality === 'CT') {
    if (sopClass !== undefined && !CT_IMAGE_SOP_CLASSES.has(sopClass)) {
      return { inScope: false, reason: 'not-an-image', evidence: `Modality CT in ${IMAGE_STORAGE_SOP_CLASSES[sopClass]}, not a CT image` };
    }
    if (attr.strings(dataset, 'ImageType').some((t) => t.toUpperCase() === 'LOCALIZER')) {
      return { inScope: false, reason: 'localizer', evidence: 'Image Type LOCALIZER' };
    }
    kind = 'ct';
  } else if (modality !== undefined && CXR_MODALITIES.has(modality)) {
    kind = 'cxr';
  } else {
    return { inScope: false, reason: 'modality', evidence: `Modality ${modality ?? '(absent)'}` };
  }

  const anatomy = anatomyEvidence(dataset);
  if (anatomy !== undefined && anatomy.verdict.anatomy === 'other') {
    return { inScope: false, reason: 'body-part', evidence: `${anatomy.source} says "${anatomy.verdict.term}"` };
  }
  if (anatomy === undefined && options.acceptUnknownAnatomy !== true) {
    return { inScope: false, reason: 'body-part-unknown', evidence: 'no attribute names the anatomy' };
  }
  const view = attr.string(dataset, 'ViewPosition')?.toUpperCase();
  if (kind === 'cxr' && view !== undefined && NON_FRONTAL_VIEWS.has(view)) {
    return { inScope: false, reason: 'not-frontal', evidence: `View Position ${view}` };
  }
  const minSlices = options.minCtSlices ?? 1;
  if (kind === 'ct' && options.seriesInstanceCount !== undefined) {
    const slices = Math.max(options.seriesInstanceCount, attr.number(dataset, 'NumberOfFrames') ?? 1);
    if (slices < minSlices) return { inScope: false, reason: 'too-few-slices', evidence: `${slices} slices, fewer than ${minSlices}` };
  }
  const evidence = anatomy === undefined ? 'anatomy unknown, accepted by option' : `${anatomy.source} says "${anatomy.verdict.term}"`;
  return { inScope: true, kind, evidence: `Modality ${modality}; ${evidence}` };
}

function lungflowEquipment(dataset: NaturalizedDataset): string | undefined {
  const equipment = [dataset, ...attr.items(dataset, 'ContributingEquipmentSequence')];
  const ours = equipment.some(
    (item) => attr.string(item, 'Manufacturer') === LUNGFLOW_MANUFACTURER && attr.string(item, 'ManufacturerModelName') === LUNGFLOW_MODEL_NAME,
  );
  return ours ? `Manufacturer "${LUNGFLOW_MANUFACTURER}", model "${LUNGFLOW_MODEL_NAME}"` : undefined;
}

function anatomyEvidence(dataset: NaturalizedDataset): { source: string; verdict: NonNullable<AnatomyVerdict> } | undefined {
  const bodyPart = attr.string(dataset, 'BodyPartExamined');
  if (bodyPart !== undefined) {
    // Body Part Examined is a coded string: an unlisted value such as "PORT" names no anatomy, so read on.
    const verdict = anatomyOfText(bodyPart.replace(/_/g, ' '));
    if (verdict !== undefined) return { source: 'Body Part Examined', verdict };
  }
  const regions = [
    ...attr.items(dataset, 'AnatomicRegionSequence'),
    ...['SharedFunctionalGroupsSequence', 'PerFrameFunctionalGroupsSequence'].flatMap((groups) =>
      attr.items(dataset, groups).slice(0, 1).flatMap((group) => attr.items(attr.items(group, 'FrameAnatomySequence')[0], 'AnatomicRegionSequence')),
    ),
  ];
  for (const region of regions) {
    const code = attr.string(region, 'CodeValue');
    if (code !== undefined && CHEST_CODES.includes(code)) return { source: 'Anatomic Region code', verdict: { anatomy: 'chest', term: code } };
    if (code !== undefined && NON_CHEST_CODES.includes(code)) return { source: 'Anatomic Region code', verdict: { anatomy: 'other', term: code } };
    const verdict = anatomyOfText(attr.string(region, 'CodeMeaning') ?? '');
    if (verdict !== undefined) return { source: 'Anatomic Region', verdict };
  }
  const texts: Array<[string, string]> = [
    ['SeriesDescription', 'Series Description'],
    ['ProtocolName', 'Protocol Name'],
    ['FilterType', 'Filter Type'],
    ['PerformedProcedureStepDescription', 'Performed Procedure Step Description'],
    ['RequestedProcedureDescription', 'Requested Procedure Description'],
    ['StudyDescription', 'Study Description'],
  ];
  for (const [keyword, source] of texts) {
    const verdict = anatomyOfText(attr.strings(dataset, keyword).join(' '));
    if (verdict !== undefined) return { source, verdict };
  }
  return undefined;
}
