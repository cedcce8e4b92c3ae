// The segmentation and slice geometry live in libs/results: report draws CT heatmaps inside the same lungs.
export { segmentCtLungs, cellPixels, ctSliceGeometry, CT_LUNG_RULES } from '@lungflow/results';
export type { CtLungSegmentation, CtLungOptions, CtSliceGeometry } from '@lungflow/results';
export { ctSliceLungFindings, ctLungFindings, ctSliceHasLungs } from './ctLungFindings';
export type { CtSliceInput } from './ctLungFindings';
