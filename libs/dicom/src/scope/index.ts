export { classifyScope, type OutOfScopeReason, type ScopeDecision, type ScopeKind, type ScopeOptions } from './classifyScope';
export { IMAGE_STORAGE_SOP_CLASSES, isImageStorageSopClass } from './imageSopClasses';
export { CHEST_TERMS, NON_CHEST_TERMS, anatomyOfText } from './anatomyTerms';
