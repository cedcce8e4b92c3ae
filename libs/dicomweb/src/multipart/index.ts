export { contentType, quoteParam } from './contentType';
export type { ContentType } from './contentType';
export { parseMultipart } from './parseMultipart';
export { buildMultipart } from './buildMultipart';
export type { OutgoingPart, BuiltMultipart } from './buildMultipart';
export type { MultipartPart } from './MultipartPart';
export { MultipartError } from './MultipartError';
