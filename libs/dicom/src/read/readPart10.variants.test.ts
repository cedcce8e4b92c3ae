import { readFileSync } from 'fs';
import path from 'path';
import { renderFrame } from '../pixels/renderFrame';
import { dcmtk, scratchDir } from '../pixels/__tests__/dcmtk';
import { readSample, SAMPLE, samplePath } from './__tests__/sampleFiles';
import { readPart10 } from './readPart10';
import { TRANSFER_SYNTAX } from './transferSyntax';

/**
 * One real CT slice in every layout the reader accepts (written by dcmconv in a scratch folder, or cut here):
 * each must render to exactly the same image as the original Explicit VR Little Endian file.
 */
jest.setTimeout(60_000);

const scratch = scratchDir();
afterAll(() => scratch.remove());

const original = () => readSample(SAMPLE.ctAxialIntercept1024);
const converted = (options: string[], name: string) => {
  const out = path.join(scratch.dir, name);
  dcmtk('dcmconv', [...options, samplePath(SAMPLE.ctAxialIntercept1024), out]);
  return new Uint8Array(readFileSync(out));
};

const variants: Array<[string, () => Uint8Array, string]> = [
  ['Explicit VR Big Endian (retired, PS3.5 A.3)', () => converted(['+tb'], 'big.dcm'), TRANSFER_SYNTAX.explicitBig],
  ['Deflated Explicit VR Little Endian (PS3.5 A.5)', () => converted(['+td'], 'deflated.dcm'), TRANSFER_SYNTAX.deflatedExplicitLittle],
  ['bare data set, explicit VR, no File Meta', () => converted(['-F', '+te'], 'bare_explicit.dcm'), TRANSFER_SYNTAX.explicitLittle],
  ['bare data set, implicit VR, no File Meta', () => converted(['-F', '+ti'], 'bare_implicit.dcm'), TRANSFER_SYNTAX.implicitLittle],
  ['File Meta without the 128-byte preamble', () => original().subarray(128), TRANSFER_SYNTAX.explicitLittle],
  ['File Meta without preamble and "DICM"', () => original().subarray(132), TRANSFER_SYNTAX.explicitLittle],
];

describe('readPart10 layouts', () => {
  it.each(variants)('%s renders as the original', async (_name, bytes, syntax) => {
    const expected = await renderFrame(readPart10(original()));
    const instance = readPart10(bytes());
    expect(instance.transferSyntaxUid).toBe(syntax);
    const actual = await renderFrame(instance);
    expect(Buffer.from(actual.fullResolution.data).equals(Buffer.from(expected.fullResolution.data))).toBe(true);
  });
});
