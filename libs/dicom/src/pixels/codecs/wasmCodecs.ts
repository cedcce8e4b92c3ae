import openjpegFactory from '@cornerstonejs/codec-openjpeg/decodewasmjs';
import charlsFactory from '@cornerstonejs/codec-charls/decodewasmjs';
import libjpegTurboFactory from '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs';

/** The members of the cornerstone WASM decoders LungFlow calls (they share this embind shape). */
export interface WasmFrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned?: boolean;
}

export interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  /** OpenJPEG only: decode `decodeLevel` resolution levels down (0: full), `decodeLayer` quality layers (0: all). */
  decodeSubResolution?(decodeLevel: number, decodeLayer: number): void;
  getFrameInfo(): WasmFrameInfo;
  delete(): void;
}

interface WasmModule {
  J2KDecoder?: new () => WasmDecoder;
  JpegLSDecoder?: new () => WasmDecoder;
  JPEGDecoder?: new () => WasmDecoder;
}

// Emscripten writes codec chatter ([INFO] lines) to stdout unless print/printErr are given.
type Factory = (options: { print: () => void; printErr: () => void }) => Promise<WasmModule>;

const loading = new Map<string, Promise<WasmModule>>();

// Each WASM module is compiled once per process, on first use, so a service that never meets JPEG 2000 never
// pays for it.
function load(name: string, factory: Factory): Promise<WasmModule> {
  let module = loading.get(name);
  if (module === undefined) {
    module = factory({ print: () => undefined, printErr: () => undefined });
    loading.set(name, module);
  }
  return module;
}

/**
 * Runs one decode on a fresh decoder and returns a copy of its output: the WASM heap is reused by the next call
 * and the decoder is freed here, whatever happens. `reduce` > 0 (OpenJPEG only) decodes that many resolution
 * levels down; the frame info still gives the full size then, so the caller works out the size it got.
 */
async function decodeWith(name: string, factory: Factory, ctor: keyof WasmModule, encoded: Uint8Array, reduce = 0) {
  const module = await load(name, factory);
  const Decoder = module[ctor];
  if (Decoder === undefined) throw new Error(`${name} has no ${ctor}`);
  const decoder = new Decoder();
  try {
    decoder.getEncodedBuffer(encoded.length).set(encoded);
    if (reduce > 0) {
      if (decoder.decodeSubResolution === undefined) throw new Error(`${name} cannot decode a lower resolution`);
      decoder.decodeSubResolution(reduce, 0);
    } else {
      decoder.decode();
    }
    const info = decoder.getFrameInfo();
    const decoded = decoder.getDecodedBuffer();
    const bytes = new Uint8Array(decoded.length);
    bytes.set(decoded);
    return { info: { ...info }, bytes };
  } finally {
    decoder.delete();
  }
}

export const wasmCodecs = {
  jpeg2000: (encoded: Uint8Array, reduce = 0) => decodeWith('openjpeg', openjpegFactory as Factory, 'J2KDecoder', encoded, reduce),
  jpegLs: (encoded: Uint8Array) => decodeWith('charls', charlsFactory as Factory, 'JpegLSDecoder', encoded),
  jpegBaseline: (encoded: Uint8Array) => decodeWith('libjpeg-turbo', libjpegTurboFactory as Factory, 'JPEGDecoder', encoded),
};
