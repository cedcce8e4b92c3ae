import { execFileSync } from 'child_process';
import { readdirSync, readFileSync, writeFileSync } from 'fs';
import path from 'path';
import { readPart10 } from '../read/readPart10';
import { readSample, SAMPLE, samplePath } from '../read/__tests__/sampleFiles';
import { dcmtk, dcmtkRender, diffImages, scratchDir } from './__tests__/dcmtk';
import { decodeFrame } from './decodeFrame';
import { imagePixelModule } from './imagePixelModule';
import { renderFrame } from './renderFrame';

/**
 * dcmtk 3.6.7 cannot decode JPEG 2000, so the two J2K samples are checked in two steps:
 * 1. decoding: dcmtk extracts the codestream (`dcmdump +W`), the system's OpenJPEG (libopenjp2.so.7, through
 *    openjpegReference.py) decodes it, and our stored values must equal its values exactly;
 * 2. rendering: those reference values are written into an uncompressed copy of the header (`dump2dcm`), which
 *    dcm2pnm renders with the same window: identical images (0 grey levels) for both.
 * Needs python3 and libopenjp2-7 (Debian), besides dcmtk.
 */
jest.setTimeout(120_000);

const scratch = scratchDir();
afterAll(() => scratch.remove());

interface Reference {
  values: Int32Array;
  width: number;
  height: number;
  precision: number;
  signed: boolean;
}

function referenceDecode(file: string, name: string, reduce = 0): Reference {
  const dir = path.join(scratch.dir, name);
  execFileSync('mkdir', ['-p', dir]);
  dcmtk('dcmdump', ['-q', '+W', dir, file]);
  // item 0 is the Basic Offset Table; the rest are the fragments of the single frame, in order
  const fragments = readdirSync(dir)
    .map((f) => ({ f, n: Number(/\.(\d+)\.raw$/.exec(f)?.[1]) }))
    .filter(({ n }) => n > 0)
    .sort((a, b) => a.n - b.n)
    .map(({ f }) => readFileSync(path.join(dir, f)));
  const codestream = path.join(dir, 'frame.j2k');
  writeFileSync(codestream, Buffer.concat(fragments));
  const raw = path.join(dir, `frame-${reduce}.raw`);
  const script = path.join(__dirname, '__tests__', 'openjpegReference.py');
  const info = JSON.parse(execFileSync('python3', [script, codestream, raw, String(reduce)], { encoding: 'utf8' })) as Omit<Reference, 'values'>;
  const bytes = readFileSync(raw);
  return { ...info, values: new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4) };
}

/** An uncompressed copy of `file` whose Pixel Data are the reference values (16-bit, as the header says). */
function nativeCopy(file: string, reference: Reference, signed: boolean, name: string): string {
  const dump = execFileSync('dcmdump', ['-q', '+L', file], { encoding: 'utf8', maxBuffer: 64 << 20 }).split('\n');
  const header = dump.slice(0, dump.findIndex((line) => line.startsWith('(7fe0,0010)'))).filter((line) => !line.startsWith('(0002,'));
  const pixels = Buffer.alloc(reference.values.length * 2);
  reference.values.forEach((v, i) => (signed ? pixels.writeInt16LE(v, i * 2) : pixels.writeUInt16LE(v, i * 2)));
  const pixelFile = path.join(scratch.dir, `${name}.pixels`);
  writeFileSync(pixelFile, pixels);
  const dumpFile = path.join(scratch.dir, `${name}.txt`);
  writeFileSync(dumpFile, [...header, `(7fe0,0010) OW =${pixelFile}`].join('\n'));
  const out = path.join(scratch.dir, `${name}.dcm`);
  dcmtk('dump2dcm', ['+te', dumpFile, out]);
  return out;
}

describe.each([
  { name: 'head CT, JPEG 2000 lossless', file: SAMPLE.headCtJpeg2000, dcmtkWindow: ['+Ww', '-600', '1500'], maxAbs: 0 },
  { name: 'MONOCHROME1 CR, JPEG 2000 lossy', file: SAMPLE.crJpeg2000Mono1, dcmtkWindow: ['+Wi', '1'], maxAbs: 0 },
])('$name', ({ file, dcmtkWindow, maxAbs }) => {
  const slug = path.basename(file, '.dcm');
  let reference: Reference;
  beforeAll(() => {
    reference = referenceDecode(samplePath(file), slug);
  });

  it('decodes to the stored values the system OpenJPEG gives', async () => {
    const instance = readPart10(readSample(file));
    const ours = await decodeFrame(instance, imagePixelModule(instance), 0);
    expect([ours.width, ours.height]).toEqual([reference.width, reference.height]);
    let mismatches = 0;
    for (let i = 0; i < ours.values.length; i += 1) if (ours.values[i] !== reference.values[i]) mismatches += 1;
    expect(mismatches).toBe(0);
  });

  it.each([1, 3])('decodes %i levels down to the values the system OpenJPEG gives with that reduce factor', async (levels) => {
    const reduced = referenceDecode(samplePath(file), slug, levels);
    const instance = readPart10(readSample(file));
    const full = imagePixelModule(instance);
    // The smallest level at least as long as the reference's longer side is the reference's level.
    const ours = await decodeFrame(instance, full, 0, { minLongSide: Math.max(reduced.width, reduced.height) });
    expect(ours.reduction).toBe(2 ** levels);
    expect([ours.width, ours.height]).toEqual([reduced.width, reduced.height]);
    let mismatches = 0;
    for (let i = 0; i < ours.values.length; i += 1) if (ours.values[i] !== reduced.values[i]) mismatches += 1;
    expect(mismatches).toBe(0);
  });

  it('renders as dcm2pnm renders the reference values with the same window', async () => {
    const instance = readPart10(readSample(file));
    const ours = await renderFrame(instance);
    const native = nativeCopy(samplePath(file), reference, instance.dataset.PixelRepresentation === 1, slug);
    const diff = diffImages(ours.fullResolution, dcmtkRender('dcm2pnm', native, dcmtkWindow));
    expect(diff.maxAbs).toBeLessThanOrEqual(maxAbs);
  });
});
