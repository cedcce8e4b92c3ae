export { readPart10 } from './readPart10';
export { fromDicomWebMetadata, type DicomWebFramesOptions } from './fromDicomWebMetadata';
export { dicomWebJsonToNaturalized, type DicomJson } from './dicomWebJsonToNaturalized';
export type { DicomInstance, PixelData } from './DicomInstance';
export { attr, type NaturalizedDataset } from './attr';
export { DEFAULT_READ_LIMITS, resolveReadLimits, type ReadLimits } from './readLimits';
export { TRANSFER_SYNTAX, transferSyntaxName, isNativeTransferSyntax } from './transferSyntax';
export { readPart10Header, type Part10Header } from './part10Header';
export { segmentationMasks, type SegmentMask } from './segmentationMasks';
