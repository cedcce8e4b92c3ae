import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readPart10 } from '../read';
import { analysis, lesionFindings } from './__tests__/fixtures';
import { analysisSegmentation } from './analysisSegmentation';
import { secondaryCapture } from './secondaryCapture';
import { structuredReport } from './structuredReport';
import { writePart10 } from './writePart10';
import { writePart10Reference as dcmjsOnly } from './__tests__/writePart10Reference';

const same = (a: Uint8Array, b: Uint8Array) => expect(Buffer.compare(Buffer.from(a), Buffer.from(b))).toBe(0);
const source = readPart10(new Uint8Array(readFileSync(path.resolve(__dirname, '../../../../samples/LF-DEMO-0001.dcm')))).dataset;

describe('writePart10: Pixel Data appended outside dcmjs', () => {
  it.each([
    [1024, 1024],
    [640, 640],
    [3, 1],
    [1, 1],
  ])('a %d × %d RGB SC has the bytes dcmjs writes (odd lengths padded by the SC first)', (width, height) => {
    const data = Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 31) & 255);
    const sc = secondaryCapture(analysis(source), { data, width, height, channels: 3 });
    same(sc.part10, dcmjsOnly(sc.dataset, { PixelData: 'OB' }));
    const back = readPart10(sc.part10);
    expect(back.pixelData?.encapsulated === false && Buffer.from(back.pixelData.buffers[0] as Uint8Array).subarray(0, data.length).equals(Buffer.from(data))).toBe(true);
  });

  it('a SEG (bare ArrayBuffer Pixel Data) has the bytes dcmjs writes', () => {
    const seg = analysisSegmentation(analysis(source, { lesions: lesionFindings() }));
    same(seg.part10, dcmjsOnly(seg.dataset, { PixelData: 'OB' }));
  });

  it('OW Pixel Data, and data sets it must leave to dcmjs, have the bytes dcmjs writes', () => {
    const base = { ...secondaryCapture(analysis(source), { data: new Uint8Array(12), width: 2, height: 2, channels: 3 }).dataset };
    same(writePart10(base, { PixelData: 'OW' }), dcmjsOnly(base, { PixelData: 'OW' }));
    // no VR given, odd length, several values, an element after Pixel Data
    same(writePart10(base), dcmjsOnly(base));
    const odd = { ...base, PixelData: [new Uint8Array(13).buffer] };
    same(writePart10(odd, { PixelData: 'OB' }), dcmjsOnly(odd, { PixelData: 'OB' }));
    const after = { ...base, DataSetTrailingPadding: new Uint8Array(4).buffer };
    same(writePart10(after, { PixelData: 'OB' }), dcmjsOnly(after, { PixelData: 'OB' }));
    const sr = structuredReport(analysis(source));
    same(sr.part10, dcmjsOnly(sr.dataset));
  });
});
