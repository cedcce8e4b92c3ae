import { readFileSync } from 'fs';
import path from 'path';
import { isDicomError } from './errors';
import { renderFrame } from './pixels/renderFrame';
import { dcmtk, scratchDir } from './pixels/__tests__/dcmtk';
import { prng } from './read/__tests__/prng';
import { readSample, SAMPLE, samplePath } from './read/__tests__/sampleFiles';
import { concat } from './read/concat';
import { readPart10 } from './read/readPart10';
import { classifyScope } from './scope/classifyScope';

/**
 * Mutation fuzzing of read → render → classify on the real samples and on small transcodes of them (RLE,
 * JPEG-LS, JPEG lossless, JPEG baseline, deflated, big endian) so that every decoder sees broken input. Every case must end in a
 * rendered image or a DicomError: a TypeError, a RangeError or a codec's own exception is a bug.
 * Seeded: FUZZ_SEED=<n> replays a run; a failure message names the seed, the case and the mutation.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261126);
const CASES = Number(process.env.FUZZ_CASES ?? 1000);
// small caps keep the run fast and exercise the limits as well
const LIMITS = { maxFileBytes: 4 * 1024 * 1024, maxFramePixels: 2048 * 2048, maxTotalPixels: 4 * 2048 * 2048 };

jest.setTimeout(180_000);

type Mutation = { name: string; apply: (bytes: Uint8Array, random: () => number) => Uint8Array };

const int = (random: () => number, n: number) => Math.floor(random() * n);
// most structure (lengths, VRs, image attributes, codestream headers) sits before the pixels or at their start
const headerOffset = (bytes: Uint8Array, random: () => number) => int(random, Math.min(bytes.length, 4096));

const MUTATIONS: Mutation[] = [
  { name: 'flip header bytes', apply: (b, r) => { const out = b.slice(); for (let k = 1 + int(r, 8); k > 0; k -= 1) out[headerOffset(b, r)] = int(r, 256); return out; } },
  { name: 'flip any bytes', apply: (b, r) => { const out = b.slice(); for (let k = 1 + int(r, 32); k > 0; k -= 1) out[int(r, b.length)] = int(r, 256); return out; } },
  { name: 'truncate', apply: (b, r) => b.slice(0, int(r, b.length)) },
  { name: 'huge length', apply: (b, r) => { const out = b.slice(); const at = headerOffset(b, r); out.set([0xff, 0xff, 0xff, 0xff].slice(0, Math.min(4, out.length - at)), at); return out; } },
  { name: 'delete chunk', apply: (b, r) => { const at = headerOffset(b, r); const n = 1 + int(r, 64); return concat(b.subarray(0, at), b.subarray(Math.min(b.length, at + n))); } },
  { name: 'insert chunk', apply: (b, r) => { const at = headerOffset(b, r); const junk = Uint8Array.from({ length: 1 + int(r, 64) }, () => int(r, 256)); return concat(b.subarray(0, at), junk, b.subarray(at)); } },
  { name: 'image attribute', apply: (b, r) => mutateImageAttribute(b, r) },
];

/** Rewrites the value of Rows, Columns, Bits Allocated/Stored, High Bit, Pixel Representation or Samples per Pixel. */
function mutateImageAttribute(bytes: Uint8Array, random: () => number): Uint8Array {
  const out = bytes.slice();
  const elements = [0x0010, 0x0011, 0x0100, 0x0101, 0x0102, 0x0103, 0x0002, 0x0006];
  const element = elements[int(random, elements.length)];
  const values = [0, 1, 7, 8, 12, 15, 16, 17, 32, 255, 0x7fff, 0xffff];
  for (let i = 0; i + 10 < out.length && i < 8192; i += 1) {
    if (out[i] === 0x28 && out[i + 1] === 0x00 && out[i + 2] === (element & 0xff) && out[i + 3] === element >> 8) {
      // explicit VR "US" + 2-byte length, or implicit VR 4-byte length: the value follows the length
      const valueAt = out[i + 4] === 0x55 && out[i + 5] === 0x53 ? i + 8 : i + 8;
      const v = values[int(random, values.length)];
      out[valueAt] = v & 0xff;
      out[valueAt + 1] = v >> 8;
      return out;
    }
  }
  return out;
}

describe('fuzz: mutated DICOM files end in an image or a DicomError', () => {
  const scratch = scratchDir();
  const corpus: Array<{ name: string; bytes: Uint8Array; weight: number }> = [];

  beforeAll(() => {
    const file = (name: string, tool: string, options: string[], source: string) => {
      const out = path.join(scratch.dir, name);
      dcmtk(tool, [...options, source, out]);
      return new Uint8Array(readFileSync(out));
    };
    const ctSmall = samplePath(SAMPLE.ctSmall);
    // a 128-pixel-wide 8-bit CR, so that JPEG baseline cases stay cheap
    file('cr8.dcm', 'dcmdjpeg', [], samplePath(SAMPLE.crJpegBaseline));
    const cr8Small = path.join(scratch.dir, 'cr8_small.dcm');
    dcmtk('dcmscale', ['+Sxv', '128', path.join(scratch.dir, 'cr8.dcm'), cr8Small]);
    corpus.push(
      { name: 'CT_small native', bytes: readSample(SAMPLE.ctSmall), weight: 4 },
      { name: 'CT_small RLE', bytes: file('rle.dcm', 'dcmcrle', [], ctSmall), weight: 2 },
      { name: 'CT_small JPEG-LS', bytes: file('jls.dcm', 'dcmcjpls', [], ctSmall), weight: 2 },
      { name: 'CT_small JPEG lossless', bytes: file('jll.dcm', 'dcmcjpeg', ['+e1'], ctSmall), weight: 2 },
      { name: 'small CR JPEG baseline', bytes: file('jb.dcm', 'dcmcjpeg', ['+eb'], cr8Small), weight: 2 },
      { name: 'CT_small deflated', bytes: file('deflated.dcm', 'dcmconv', ['+td'], ctSmall), weight: 1 },
      { name: 'CT_small big endian', bytes: file('big.dcm', 'dcmconv', ['+tb'], ctSmall), weight: 1 },
      { name: 'CR MONO1 no preamble', bytes: readSample(SAMPLE.crMono1NoPreamble), weight: 2 },
      { name: 'head CT JPEG 2000', bytes: readSample(SAMPLE.headCtJpeg2000), weight: 1 },
    );
  });
  afterAll(() => scratch.remove());

  it(`survives ${CASES} mutated files (seed ${SEED})`, async () => {
    const random = prng(SEED);
    const totalWeight = corpus.reduce((n, c) => n + c.weight, 0);
    const outcomes: Record<string, number> = { rendered: 0 };
    for (let i = 0; i < CASES; i += 1) {
      let pick = random() * totalWeight;
      const source = corpus.find((c) => (pick -= c.weight) < 0) ?? corpus[0];
      const mutation = MUTATIONS[int(random, MUTATIONS.length)];
      const bytes = mutation.apply(source.bytes, random);
      const started = Date.now();
      try {
        const instance = readPart10(bytes, LIMITS);
        classifyScope(instance.dataset);
        await renderFrame(instance);
        outcomes.rendered += 1;
      } catch (error) {
        if (!isDicomError(error)) {
          throw new Error(`case ${i} (seed ${SEED}, ${source.name}, ${mutation.name}) threw ${String(error)}\n${(error as Error)?.stack ?? ''}`);
        }
        outcomes[error.code] = (outcomes[error.code] ?? 0) + 1;
        if (process.env.FUZZ_DEBUG) outcomes[`${mutation.name}:${error.code}`] = (outcomes[`${mutation.name}:${error.code}`] ?? 0) + 1;
      } finally {
        if (process.env.FUZZ_DEBUG) outcomes[`ms:${source.name}`] = (outcomes[`ms:${source.name}`] ?? 0) + Date.now() - started;
      }
    }
    // the run must exercise both outcomes, or the mutations are too weak or too strong to mean anything
    expect(outcomes.rendered).toBeGreaterThan(CASES / 10);
    expect(CASES - outcomes.rendered).toBeGreaterThan(CASES / 10);
    console.error(`fuzz seed ${SEED}: ${JSON.stringify(outcomes)}`);
  });
});
