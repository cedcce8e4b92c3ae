import { attr, type NaturalizedDataset } from '../read';
import type { Code, ReferencedImage } from './AnalysisResult';
import type { FindingsMask, LesionFindings, LungZone, RegionMeasurement } from './LesionFindings';
import { lesionOutlines } from './lesionOutline';
import { LUNGFLOW_CODING_SCHEME, srItems } from './srItems';
import { derivedUid } from './uids';

const LF = (value: string, meaning: string): Code => ({ value, scheme: LUNGFLOW_CODING_SCHEME, meaning });
const DCM = (value: string, meaning: string): Code => ({ value, scheme: 'DCM', meaning });
const SCT = (value: string, meaning: string): Code => ({ value, scheme: 'SCT', meaning });
const UCUM = (value: string, meaning: string): Code => ({ value, scheme: 'UCUM', meaning });

/**
 * Concepts of the lesion measurements. Standard codes where one exists (SNOMED CT Lesion, Lung, Area, Finding Site);
 * LungFlow's own (99LUNGFLOW) for what none names: the lesion share of a lung region, the radiographic lung zones
 * (thirds of each lung's height, not lobes) and the Cohen et al. and Brixia scores.
 */
export const LESION_CODES = {
  lesion: SCT('52988006', 'Lesion'),
  findingSite: SCT('363698007', 'Finding Site'),
  lung: SCT('39607008', 'Lung'),
  rightLung: SCT('3341006', 'Right lung'),
  leftLung: SCT('44029006', 'Left lung'),
  area: SCT('42798000', 'Area'),
  areaFraction: LF('LESFRAC', 'Lesion area fraction of lung region'),
  brixiaZone: LF('BRIXIAZ', 'Brixia zone score'),
  brixiaGlobal: LF('BRIXIA', 'Brixia score'),
  extent: LF('COHENEXT', 'Geographic extent score (Cohen et al.)'),
  opacity: LF('COHENOPA', 'Opacity score (Cohen et al.)'),
  severity: LF('SEVERITY', 'Lung involvement severity'),
  imageRegion: DCM('111030', 'Image Region'),
  referencedSegment: DCM('121191', 'Referenced Segment'),
  bestIllustration: DCM('121080', 'Best illustration of finding'),
  percent: UCUM('%', 'percent'),
  squareMillimetre: UCUM('mm2', 'square millimeter'),
  score: UCUM('{score}', 'score'),
  millilitre: UCUM('mL', 'milliliter'),
  lungVolume: LF('LUNGVOL', 'Lung volume (CT, classical HU segmentation)'),
  involvedFraction: LF('CTINVFRAC', 'Involved share of lung volume (CAM-based estimate)'),
  involvedVolume: LF('CTINVVOL', 'Involved lung volume (CAM-based estimate)'),
} satisfies Record<string, Code>;
const C = LESION_CODES;

const ZONES: ReadonlyArray<[LungZone, Code]> = [
  ['rightUpper', LF('ZONERU', 'Right upper lung zone (Brixia A)')],
  ['rightMiddle', LF('ZONERM', 'Right middle lung zone (Brixia B)')],
  ['rightLower', LF('ZONERL', 'Right lower lung zone (Brixia C)')],
  ['leftUpper', LF('ZONELU', 'Left upper lung zone (Brixia D)')],
  ['leftMiddle', LF('ZONELM', 'Left middle lung zone (Brixia E)')],
  ['leftLower', LF('ZONELL', 'Left lower lung zone (Brixia F)')],
];

/**
 * Where on the image a value was found, as the SCOORD every NUM is INFERRED FROM (TID 300 → TID 320): the CAM's peak
 * inside the lungs as a POINT, in the source's pixel coordinates; without a peak (no lungs found, or a model
 * without lesions) the whole image as a closed POLYLINE, since the value then refers to the image as a whole.
 */
export interface ImageAnchor {
  /** The SCOORD (relationship filled in by the caller), SELECTED FROM the image. */
  scoord: (relationship: 'INFERRED FROM' | 'CONTAINS', name?: Code) => NaturalizedDataset;
  image: ReferencedImage;
}

export function imageAnchor(source: NaturalizedDataset, image: ReferencedImage, peak: LesionFindings['peak'] | undefined): ImageAnchor {
  const { rows, columns } = gridOf(source);
  const [graphicType, points] = peak
    ? (['POINT', [peak.x * columns, peak.y * rows]] as const)
    : (['POLYLINE', [0, 0, columns, 0, columns, rows, 0, rows, 0, 0]] as const);
  return polylineOrPoint(image, graphicType, points);
}

/**
 * At most this many lesion regions are outlined in the SR (largest first), so a speckled lesion map cannot swell it
 * to thousands of groups; the SEG holds every lesion pixel whatever the count.
 */
export const MAX_OUTLINED_REGIONS = 16;

/**
 * The lesion outlines as closed POLYLINEs in the source's pixel coordinates: the outer boundary of each lesion region
 * (4-connected) on the model grid (lesionOutlines), largest first, at most MAX_OUTLINED_REGIONS, scaled from the grid
 * (stretched over the whole image) to Columns × Rows. Empty when the mask has no lesion.
 */
export function outlineAnchors(source: NaturalizedDataset, image: ReferencedImage, lesionMask: FindingsMask): ImageAnchor[] {
  const { rows, columns } = gridOf(source);
  return lesionOutlines(lesionMask, MAX_OUTLINED_REGIONS).map((outline) =>
    polylineOrPoint(image, 'POLYLINE', outline.map((v, i) => (i % 2 === 0 ? (v * columns) / lesionMask.width : (v * rows) / lesionMask.height))),
  );
}

function gridOf(source: NaturalizedDataset) {
  return { rows: attr.number(source, 'Rows') ?? 1, columns: attr.number(source, 'Columns') ?? 1 };
}

function polylineOrPoint(image: ReferencedImage, graphicType: 'POINT' | 'POLYLINE', points: readonly number[]): ImageAnchor {
  // A multi-frame source's frame goes into the reference (Referenced Frame Number): the SCOORD lies on that frame.
  const selectedFrom = srItems.image('CONTAINS', image.sopClassUid, image.sopInstanceUid, undefined, image.frame ? { frame: image.frame } : {});
  return { image, scoord: (relationship, name) => srItems.scoord(relationship, name, graphicType, points, selectedFrom) };
}

export interface LesionGroupContext {
  lesions: LesionFindings;
  anchor: ImageAnchor;
  /** The lesion outlines (outlineAnchors): one more group per lesion region, drawn as its outline. */
  outlines?: ImageAnchor[];
  /** Tracking UIDs derive from the SR instance and the group's name, so a rewrite keeps them. */
  srInstanceUid: string;
  /** Algorithm Name/Version/Parameters (TID 4019) of the model, shared with the class groups. */
  algorithm: NaturalizedDataset[];
  /** The analysis SEG, for Referenced Segment items. */
  segmentation?: { sopClassUid: string; sopInstanceUid: string; lesionSegmentNumber: number; lungSegmentNumber: number };
}

/**
 * The lesion quantification as TID 1501 Measurement Groups anchored to the image: one per region (both lungs, each
 * lung, each Brixia zone) with the lesion area fraction in % (×100) and the area in mm² when the pixel spacing was
 * known, the zone's Brixia score; one for the global severity scores; one per clinical prediction that has a value;
 * one per lesion region with its outline as a POLYLINE (largest first, at most MAX_OUTLINED_REGIONS).
 * Every group carries the image region as a SCOORD (POINT at the CAM peak) SELECTED FROM the image, and every NUM is
 * INFERRED FROM the same SCOORD, so a viewer places each group on the image whichever of the two it reads.
 */
/** A TID 1501 Measurement Group anchored to the image (its Image Region SCOORD), with a tracking UID derived from the SR. */
function measurementGroup(
  context: Pick<LesionGroupContext, 'anchor' | 'srInstanceUid' | 'algorithm'>,
  trackingId: string,
  finding: Code,
  site: Code | undefined,
  items: NaturalizedDataset[],
  extra: NaturalizedDataset[] = [],
  region?: ImageAnchor,
): NaturalizedDataset {
  return srItems.container(
    'CONTAINS',
    { value: '125007', scheme: 'DCM', meaning: 'Measurement Group' },
    [
      srItems.text('HAS OBS CONTEXT', { value: '112039', scheme: 'DCM', meaning: 'Tracking Identifier' }, trackingId),
      srItems.uidref('HAS OBS CONTEXT', { value: '112040', scheme: 'DCM', meaning: 'Tracking Unique Identifier' }, derivedUid('lungflow', 'tracking', context.srInstanceUid, trackingId)),
      srItems.code('CONTAINS', { value: '121071', scheme: 'DCM', meaning: 'Finding' }, finding),
      ...(site ? [srItems.code('HAS CONCEPT MOD', C.findingSite, site)] : []),
      ...context.algorithm,
      (region ?? context.anchor).scoord('CONTAINS', C.imageRegion),
      ...items,
      ...extra,
    ],
    '1501',
  );
}

export function lesionGroups(context: LesionGroupContext): NaturalizedDataset[] {
  const { lesions, anchor } = context;
  const num = (name: Code, value: number, unit: Code) => srItems.num('CONTAINS', name, value, unit, anchor.scoord('INFERRED FROM'));
  const group = (trackingId: string, finding: Code, site: Code | undefined, items: NaturalizedDataset[], extra: NaturalizedDataset[] = [], region?: ImageAnchor): NaturalizedDataset =>
    measurementGroup(context, trackingId, finding, site, items, extra, region);
  const measured = (measurement: RegionMeasurement): NaturalizedDataset[] => [
    num(C.areaFraction, measurement.areaFraction * 100, C.percent),
    ...(measurement.areaMm2 === null ? [] : [num(C.area, measurement.areaMm2, C.squareMillimetre)]),
  ];
  const seg = context.segmentation;
  const lesionSegment = seg ? [srItems.image('CONTAINS', seg.sopClassUid, seg.sopInstanceUid, C.referencedSegment, { segmentNumber: seg.lesionSegmentNumber })] : [];
  const groups = [
    group('LungFlow lesion both lungs', C.lesion, C.lung, measured(lesions.total), lesionSegment),
    group('LungFlow lesion right lung', C.lesion, C.rightLung, measured(lesions.lungs.right)),
    group('LungFlow lesion left lung', C.lesion, C.leftLung, measured(lesions.lungs.left)),
    ...ZONES.map(([zone, code]) => {
      const measurement = lesions.zones[zone];
      return group(`LungFlow lesion ${code.meaning}`, C.lesion, code, [...measured(measurement), ...(measurement.brixia === null ? [] : [num(C.brixiaZone, measurement.brixia, C.score)])]);
    }),
  ];
  // Each lesion region drawn as its outline (TID 1410 style: the Image Region is the only graphic, nothing is
  // measured on it, so no NUM). A viewer's SR display draws them; the numbers stay on the groups above, at the peak.
  (context.outlines ?? []).forEach((outline, i) => groups.push(group(`LungFlow lesion outline ${i + 1}`, C.lesion, C.lung, [], lesionSegment, outline)));
  const { extent, opacity, brixiaGlobal } = lesions.severity;
  const scores = [
    ...(brixiaGlobal === null ? [] : [num(C.brixiaGlobal, brixiaGlobal, C.score)]),
    ...(extent === null ? [] : [num(C.extent, extent, C.score)]),
    ...(opacity === null ? [] : [num(C.opacity, opacity, C.score)]),
  ];
  if (scores.length) groups.push(group('LungFlow severity', C.severity, C.lung, scores));
  for (const prediction of lesions.clinical) {
    if (prediction.value === null) continue; // not estimable: the release says so, the SR says nothing
    const indicator = LF(`CLIN-${prediction.id}`.slice(0, 16), `Predicted ${prediction.display}`.slice(0, 64));
    groups.push(
      group(`LungFlow clinical ${prediction.id}`, indicator, undefined, [num(indicator, prediction.value, UCUM(prediction.unit, prediction.unit))], [
        srItems.text('HAS CONCEPT MOD', { value: '111002', scheme: 'DCM', meaning: 'Algorithm Parameters' }, `regression ${prediction.modelId} from the lesion measurements`),
      ]),
    );
  }
  return groups;
}

/** The CT series quantification as the SR takes it (libs/contracts `ctLungs[i]` has this shape and more). */
export interface CtSeriesLungSummary {
  lungs: { method: string; volumeMl: number | null; slices: number; slicesWithLungs: number };
  lesions: { supervision: string; volumeFraction: number; volumeMl: number | null };
}

/**
 * The CT series' lungs as one Measurement Group on the drawn slice: the lung volume (mL, only when the spacing gave
 * one) from a classical HU segmentation, and the CAM-based share of it that the model's map marks, each with its
 * method in words (a CAM-based estimate is not a lesion segmentation, and the SR must not let it pass for one).
 */
export function ctLungGroups(context: Pick<LesionGroupContext, 'anchor' | 'srInstanceUid' | 'algorithm'> & { ct: CtSeriesLungSummary }): NaturalizedDataset[] {
  const { ct, anchor } = context;
  const num = (name: Code, value: number, unit: Code) => srItems.num('CONTAINS', name, value, unit, anchor.scoord('INFERRED FROM'));
  const method = (text: string) => srItems.text('HAS CONCEPT MOD', { value: '111002', scheme: 'DCM', meaning: 'Algorithm Parameters' }, text.slice(0, 1024));
  return [
    measurementGroup(context, 'LungFlow CT lungs', C.lung, undefined, [
      ...(ct.lungs.volumeMl === null ? [] : [num(C.lungVolume, ct.lungs.volumeMl, C.millilitre)]),
      num(C.involvedFraction, ct.lesions.volumeFraction * 100, C.percent),
      ...(ct.lesions.volumeMl === null ? [] : [num(C.involvedVolume, ct.lesions.volumeMl, C.millilitre)]),
    ], [method(`lungs: ${ct.lungs.method} ${ct.lungs.slicesWithLungs} of ${ct.lungs.slices} slices with lungs`), method(`involvement: ${ct.lesions.supervision}`)]),
  ];
}
