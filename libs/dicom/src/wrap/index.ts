export { wrapImageAsDicom } from './wrapImageAsDicom';
export type { WrapImageOptions, WrapPatient, WrappedDicom } from './wrapImageAsDicom';
export { uidFromSeed } from './uidFromSeed';
export { SOP_CLASS_BY_MODALITY } from './modalityModules';
export type { WrapModality, CtOptions, CtPlane } from './modalityModules';
