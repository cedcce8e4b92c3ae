export { lesionFindings, applyLinear } from './lesionFindings';
export { lesionGrid, camScaleOf, LESION_REGIONS, LESION_MEASURES } from './lesionFeatures';
export type { LesionGrid, LesionGridInput, LesionRegion, LesionMeasure, CamPlane } from './lesionFeatures';
export { lesionModelSchema, loadLesionModel, checkLesionModel, defaultLesionMap } from './lesionModel';
export type { LesionModel, LesionMapRule, LinearModel } from './lesionModel';
export { lesionMaskAt } from './lesionMaskAt';
export { sourcePixelSpacing } from './sourcePixelSpacing';
export type { SourceSpacing } from './sourcePixelSpacing';
