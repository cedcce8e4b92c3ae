export { structuredReport, COMPREHENSIVE_3D_SR, SR_SERIES_NUMBER, type StructuredReportOptions } from './structuredReport';
export { secondaryCapture, secondaryCaptureLegend, SECONDARY_CAPTURE_IMAGE_STORAGE, SC_SERIES_NUMBER, type RgbPixels } from './secondaryCapture';
export { writePart10, IMPLEMENTATION_CLASS_UID } from './writePart10';
export { derivedUid, resultUids, type ResultSource, type ResultKind, type ResultUids } from './uids';
export type { AnalysisResult, ClassResult, Code, Decision, ModelIdentity, ReferencedInstance } from './AnalysisResult';
export type { WrittenResult } from './WrittenResult';
export { part10FromDataSet } from './part10FromDataSet';
