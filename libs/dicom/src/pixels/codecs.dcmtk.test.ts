import { readFileSync } from 'fs';
import path from 'path';
import { readPart10 } from '../read/readPart10';
import { readSample, SAMPLE, samplePath, sharedDicomDir } from '../read/__tests__/sampleFiles';
import { TRANSFER_SYNTAX } from '../read/transferSyntax';
import { dcmtk, dcmtkRender, diffImages, scratchDir } from './__tests__/dcmtk';
import { decodeFrame } from './decodeFrame';
import { imagePixelModule } from './imagePixelModule';
import { renderFrame } from './renderFrame';

/**
 * Every codec is checked on real images that dcmtk transcodes in a scratch folder (nothing is written into the
 * repository): a lossless encoding must give back the stored values of the original exactly, and colour images
 * must render as dcmtk renders them in grayscale (+G: 0.299 R + 0.587 G + 0.114 B).
 */
jest.setTimeout(120_000);

const scratch = scratchDir();
afterAll(() => scratch.remove());

function transcode(tool: string, options: string[], source: string, name: string): string {
  const out = path.join(scratch.dir, name);
  dcmtk(tool, [...options, source, out]);
  return out;
}

const readFile = (file: string) => readPart10(new Uint8Array(readFileSync(file)));

/** Exact equality of two sample arrays (jest's toEqual walks a million elements far too slowly). */
function expectSameValues(actual: Float32Array, expected: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  let mismatches = 0;
  for (let i = 0; i < actual.length; i += 1) if (actual[i] !== expected[i]) mismatches += 1;
  expect(mismatches).toBe(0);
}

async function storedValuesOf(file: string, frame = 0): Promise<Float32Array> {
  const instance = readFile(file);
  return (await decodeFrame(instance, imagePixelModule(instance), frame)).values;
}

// Gray sources: 16-bit signed CT, 10-bit MONOCHROME1 CR (given File Meta first), 2-frame enhanced CT, 8-bit CR.
const sources: Array<{ name: string; file: () => string; frames: number }> = [
  { name: 'signed 16-bit CT', file: () => samplePath(SAMPLE.ctAxialIntercept1024), frames: 1 },
  { name: '10-bit MONOCHROME1 CR', file: () => transcode('dcmconv', ['-f', '-ti', '+te'], samplePath(SAMPLE.crMono1NoPreamble), 'cr10.dcm'), frames: 1 },
  { name: '2-frame enhanced CT', file: () => samplePath(SAMPLE.enhancedCtMultiFrame), frames: 2 },
  { name: '8-bit CR', file: () => transcode('dcmdjpeg', [], samplePath(SAMPLE.crJpegBaseline), 'cr8.dcm'), frames: 1 },
];

const lossless: Array<{ syntax: string; tool: string; options: string[] }> = [
  { syntax: TRANSFER_SYNTAX.rle, tool: 'dcmcrle', options: [] },
  { syntax: TRANSFER_SYNTAX.jpegLsLossless, tool: 'dcmcjpls', options: ['+el'] },
  { syntax: TRANSFER_SYNTAX.jpegLosslessSv1, tool: 'dcmcjpeg', options: ['+e1'] },
  { syntax: TRANSFER_SYNTAX.jpegLossless, tool: 'dcmcjpeg', options: ['+el'] },
];

describe.each(sources)('lossless codecs give back the stored values of a $name', ({ name, file, frames }) => {
  it.each(lossless)('$tool $options → $syntax', async ({ syntax, tool, options }) => {
    const original = file();
    const encoded = transcode(tool, options, original, `${name.replace(/\W+/g, '_')}_${tool}${options.join('')}.dcm`);
    expect(readFile(encoded).transferSyntaxUid).toBe(syntax);
    for (let frame = 0; frame < frames; frame += 1) {
      expectSameValues(await storedValuesOf(encoded, frame), await storedValuesOf(original, frame));
    }
  });
});

describe('JPEG-LS near-lossless', () => {
  it('stays within NEAR = 2 of the original stored values (ITU-T T.87 A.2)', async () => {
    // dcmcjpls encodes near-lossless for unsigned data only, so the 10-bit CR is used
    const original = transcode('dcmconv', ['-f', '-ti', '+te'], samplePath(SAMPLE.crMono1NoPreamble), 'cr10_near_src.dcm');
    const encoded = transcode('dcmcjpls', ['+en'], original, 'cr_near.dcm');
    expect(readFile(encoded).transferSyntaxUid).toBe(TRANSFER_SYNTAX.jpegLsNearLossless);
    const [a, b] = [await storedValuesOf(encoded), await storedValuesOf(original)];
    let max = 0;
    for (let i = 0; i < a.length; i += 1) max = Math.max(max, Math.abs(a[i] - b[i]));
    expect(max).toBeGreaterThan(0);
    expect(max).toBeLessThanOrEqual(2);
  });
});

describe('colour images render as dcmtk renders them in grayscale', () => {
  // a real colour figure of the ieee8023 set, 381 × 328 (odd width: tests 4:2:2 edges)
  const jpeg = () => path.resolve(sharedDicomDir(), '../cxr/ieee8023/images/000005-5-a.jpg');

  it('JPEG baseline YBR_FULL_422 (img2dcm), decoded by libjpeg-turbo: at most 2 grey levels from dcmj2pnm', async () => {
    const file = transcode('img2dcm', [], jpeg(), 'colour_jpeg.dcm');
    const ours = await renderFrame(readFile(file));
    expect(ours.voi).toEqual({ kind: 'color-luma' });
    const diff = diffImages(ours.fullResolution, dcmtkRender('dcmj2pnm', file, ['+G']));
    expect(diff.maxAbs).toBeLessThanOrEqual(2);
    expect(diff.over1).toBeLessThanOrEqual(0.01);
  });

  it.each([
    { layout: 'RGB by pixel', options: ['+px'] },
    { layout: 'RGB by plane (Planar Configuration 1)', options: ['+pl'] },
    { layout: 'YBR_FULL kept (Y sample used)', options: ['+cn'] },
  ])('uncompressed $layout: at most 1 grey level from dcm2pnm', async ({ options }) => {
    const source = transcode('img2dcm', [], jpeg(), 'colour_src.dcm');
    const file = transcode('dcmdjpeg', options, source, `colour_raw${options.join('')}.dcm`);
    const ours = await renderFrame(readFile(file));
    const diff = diffImages(ours.fullResolution, dcmtkRender('dcm2pnm', file, ['+G']));
    expect(diff.maxAbs).toBeLessThanOrEqual(1);
  });

  it('RLE colour gives back the uncompressed RGB exactly', async () => {
    const source = transcode('img2dcm', [], jpeg(), 'colour_src2.dcm');
    const raw = transcode('dcmdjpeg', ['+px'], source, 'colour_raw2.dcm');
    const rle = transcode('dcmcrle', [], raw, 'colour_rle.dcm');
    expectSameValues(await storedValuesOf(rle), await storedValuesOf(raw));
  });
});

describe('JPEG 2000 samples', () => {
  it.each([SAMPLE.crJpeg2000Mono1, SAMPLE.headCtJpeg2000])('%s decodes to the header geometry', async (file) => {
    const instance = readPart10(readSample(file));
    const rendered = await renderFrame(instance);
    expect([rendered.fullResolution.width, rendered.fullResolution.height]).toEqual([instance.dataset.Columns, instance.dataset.Rows]);
  });
});
