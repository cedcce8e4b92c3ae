// The codec packages ship no type declarations; wasmCodecs.ts types the few members LungFlow uses.
declare module '@cornerstonejs/codec-openjpeg/decodewasmjs';
declare module '@cornerstonejs/codec-charls/decodewasmjs';
declare module '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs';
declare module 'jpeg-lossless-decoder-js';
