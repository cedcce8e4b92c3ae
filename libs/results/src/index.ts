export { modelCardSchema, resultCardSchema } from './modelCard';
export type { ModelCard, ResultCard } from './modelCard';
export { ctWindowOf } from './ctWindowOf';
export { mostSuspicious, suspicionMargin } from './mostSuspicious';
export type { Suspicion } from './mostSuspicious';
export { heatmap, lungMaskAt, resultObjects } from './resultObjects';
export { segmentCtLungs, cellPixels, ctLungsAtSource, ctSliceGeometry, ctSliceLungs, CT_LUNG_RULES } from './ct';
export type { CtLungSegmentation, CtLungOptions, CtSliceGeometry } from './ct';
export type { Heatmap, HeatmapOptions, ResultObjects } from './resultObjects';
