export { segmentCtLungs, cellPixels, CT_LUNG_RULES } from './ctLungMask';
export type { CtLungSegmentation, CtLungOptions } from './ctLungMask';
export { ctSliceGeometry } from './ctSliceGeometry';
export type { CtSliceGeometry } from './ctSliceGeometry';
export { ctSliceLungFindings, ctLungFindings, ctSliceHasLungs } from './ctLungFindings';
export type { CtSliceInput } from './ctLungFindings';
