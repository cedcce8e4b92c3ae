export { renderFrame, type RenderOptions, type RenderedFrame } from './renderFrame';
export { LUNG_WINDOW, chooseVoi, type VoiChoice, type VoiFunction, type VoiOptions, type VoiSource, type Window } from './chooseVoi';
export { RESIZE_CONTRACT, resize } from './resize';
export { imagePixelModule, type ImagePixelModule } from './imagePixelModule';
export { decodeFrame, type DecodedFrame } from './decodeFrame';
export { DECODABLE_TRANSFER_SYNTAXES } from './codecs/decodeCompressed';
export type { GrayImage } from './GrayImage';
export type { AppliedModalityLut } from './modalityLut';
export { functionalGroupItem } from './functionalGroupItem';
