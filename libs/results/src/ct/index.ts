export { segmentCtLungs, cellPixels, ctLungsAtSource, CT_LUNG_RULES } from './ctLungMask';
export type { CtLungSegmentation, CtLungOptions } from './ctLungMask';
export { ctSliceGeometry } from './ctSliceGeometry';
export type { CtSliceGeometry } from './ctSliceGeometry';
export { ctSliceLungs } from './ctSliceLungs';
