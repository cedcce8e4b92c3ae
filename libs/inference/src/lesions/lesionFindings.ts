import type { LesionFindings, LungZone, RegionMeasurement, ZoneMeasurement } from '@lungflow/dicom';
import type { Classification } from '../OnnxClassifier';
import type { ModelCard } from '../modelCard';
import { lesionGrid, type LesionGrid, type LesionRegion } from './lesionFeatures';
import { defaultLesionMap, type LesionMapRule, type LesionModel, type LinearModel } from './lesionModel';
import type { SourceSpacing } from './sourcePixelSpacing';

const ZONES: readonly LungZone[] = ['rightUpper', 'rightMiddle', 'rightLower', 'leftUpper', 'leftMiddle', 'leftLower'];

/** README rule 8: `clip(intercept + Σ weights[f] · feature[f], range)`. */
export function applyLinear(model: Pick<LinearModel, 'intercept' | 'weights' | 'range'>, feature: (name: string) => number): number {
  let value = model.intercept;
  for (const [name, weight] of Object.entries(model.weights)) value += weight * feature(name);
  const [low, high] = model.range;
  return Math.min(high, Math.max(low, value));
}

function supervisionWithout(lesionMap: LesionMapRule): string {
  const normalised = lesionMap.normalise === 'maxInLungs' ? ', normalised to its maximum inside the lungs,' : '';
  return `Weakly supervised: lesion pixels are lung pixels where the classifier's ${lesionMap.className} activation map${normalised} is at least ${lesionMap.threshold}; no lesion masks were used. This release has no lesions.json: no severity or clinical model.`;
}

/**
 * The lesion findings of one CXR classification (README.md beside this file): measured on the lung grid from the
 * classifier's `lungs` and the CAM of `lesionMap.className`, with the uint8 model input for mean intensity.
 *
 * - `lesionModel` undefined (the release ships no `lesions.json`): measurements only, with the card's operating-point
 *   class and the README's default map rule; severity null, clinical [].
 * - `spacing` null (a picture, a wrapped picture, no (Imager) Pixel Spacing): every `areaMm2` is null.
 *
 * Returns undefined when the classification has no lung map (a graph that does not segment: v1, CT).
 */
export function lesionFindings(
  classification: Pick<Classification, 'cam' | 'lungs'>,
  modelInput: Uint8Array,
  lesionModel: LesionModel | undefined,
  spacing: SourceSpacing | null,
  card: ModelCard,
): LesionFindings | undefined {
  const { lungs, cam } = classification;
  if (!lungs) return undefined;
  const lesionMap = lesionModel?.lesionMap ?? defaultLesionMap(card);
  const camData = cam.maps[lesionMap.className];
  if (!camData) throw new RangeError(`the classification has no CAM of class "${lesionMap.className}"`);
  const grid = lesionGrid({
    lungs,
    lungThreshold: lungs.threshold,
    cam: { width: cam.width, height: cam.height, data: camData },
    normalise: lesionMap.normalise,
    lesionThreshold: lesionMap.threshold,
    modelInput,
  });
  return findingsOf(grid, lesionModel, spacing, lesionModel?.supervision ?? supervisionWithout(lesionMap));
}

function findingsOf(grid: LesionGrid, lesionModel: LesionModel | undefined, spacing: SourceSpacing | null, supervision: string): LesionFindings {
  // Rule 7: the area of one grid cell in mm² (the model input is the whole image stretched to a square).
  const cellMm2 = spacing ? ((spacing.rows * spacing.rowSpacingMm) / grid.height) * ((spacing.columns * spacing.columnSpacingMm) / grid.width) : null;
  const feature = (name: string): number => grid.features[name] as number;
  const region = (name: LesionRegion): RegionMeasurement => ({
    areaFraction: feature(`${name}.lesionFraction`),
    areaMm2: cellMm2 === null ? null : grid.lesionPixels[name] * cellMm2,
  });
  const brixiaZone = lesionModel?.brixiaZone;
  const zones = {} as Record<LungZone, ZoneMeasurement>;
  let brixiaGlobal: number | null = brixiaZone ? 0 : null;
  for (const zone of ZONES) {
    const brixia = brixiaZone ? applyLinear(brixiaZone, (measure) => feature(`${zone}.${measure}`)) : null;
    if (brixiaGlobal !== null && brixia !== null) brixiaGlobal += brixia;
    zones[zone] = { ...region(zone), brixia };
  }
  const release = lesionModel?.appliesTo.model;
  return {
    supervision,
    total: region('total'),
    lungs: { right: region('right'), left: region('left') },
    zones,
    severity: {
      extent: lesionModel?.extent ? applyLinear(lesionModel.extent, feature) : null,
      opacity: lesionModel?.opacity ? applyLinear(lesionModel.opacity, feature) : null,
      brixiaGlobal,
    },
    clinical: (lesionModel?.clinical ?? []).map((c) => ({
      id: c.id,
      display: c.display,
      unit: c.unit,
      value: c.estimable ? applyLinear(c, feature) : null,
      modelId: `${release}/lesions/${c.id}`,
    })),
    lungMask: { width: grid.width, height: grid.height, data: grid.lungMask },
    lesionMask: { width: grid.width, height: grid.height, data: grid.lesionMask },
    // Rule 9: the peak cell's centre as a fraction of the grid (and so of the image, which the grid spans). A CAM
    // with nothing above 0 in the lungs has no peak to point at (rule 9 would name the first lung pixel).
    peak: grid.peak && grid.peak.value > 0 ? { x: (grid.peak.x + 0.5) / grid.width, y: (grid.peak.y + 0.5) / grid.height } : null,
  };
}
