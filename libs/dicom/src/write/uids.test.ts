import { createHash } from 'node:crypto';
import { derivedUid, resultUids } from './uids';

describe('derivedUid (PS3.5 §B.2, 2.25 root)', () => {
  it('is 2.25 + the decimal of the first 128 bits of SHA-256 over the parts', () => {
    const hex = createHash('sha256').update('a\u0000b').digest('hex').slice(0, 32);
    expect(derivedUid('a', 'b')).toBe(`2.25.${BigInt(`0x${hex}`)}`);
  });

  it('fits a UI value (≤ 64 chars, no leading zero) and keeps part boundaries', () => {
    for (let i = 0; i < 200; i += 1) {
      const uid = derivedUid(String(i));
      expect(uid).toMatch(/^2\.25\.(0|[1-9]\d*)$/);
      expect(uid.length).toBeLessThanOrEqual(44);
    }
    expect(derivedUid('1.2', '3')).not.toBe(derivedUid('1', '2.3'));
  });
});

describe('resultUids', () => {
  const source = { studyInstanceUid: '1.2', seriesInstanceUid: '1.2.3', sopInstanceUid: '1.2.3.4', modelVersion: 'm@1', analysedSopInstanceUids: ['1.2.3.4'] };
  it('is stable, differs by kind, model version and instance; instances of one series share the result series', () => {
    const sr = resultUids(source, 'sr');
    expect(resultUids(source, 'sr')).toEqual(sr);
    expect(resultUids(source, 'sc').sopInstanceUid).not.toBe(sr.sopInstanceUid);
    expect(resultUids({ ...source, modelVersion: 'm@2' }, 'sr').seriesInstanceUid).not.toBe(sr.seriesInstanceUid);
    const sibling = resultUids({ ...source, sopInstanceUid: '1.2.3.5' }, 'sr');
    expect(sibling.seriesInstanceUid).toBe(sr.seriesInstanceUid);
    expect(sibling.sopInstanceUid).not.toBe(sr.sopInstanceUid);
  });
});

describe('resultUids across study versions (issue 16 item 7)', () => {
  const v1 = { studyInstanceUid: '1.2', seriesInstanceUid: '1.2.3', sopInstanceUid: '1.2.3.4', modelVersion: 'm@1', analysedSopInstanceUids: ['1.2.3.4'] };
  it('changes when a late series changes the set of analysed instances, so a v2 result never hides under v1 UIDs', () => {
    const v2 = { ...v1, analysedSopInstanceUids: ['1.2.3.4', '1.2.9.1'] };
    for (const kind of ['sr', 'sc'] as const) {
      expect(resultUids(v2, kind).sopInstanceUid).not.toBe(resultUids(v1, kind).sopInstanceUid);
      expect(resultUids(v2, kind).seriesInstanceUid).not.toBe(resultUids(v1, kind).seriesInstanceUid);
    }
  });

  it('stays deterministic per instance set, whatever order the instances come in (redelivery overwrites)', () => {
    const a = { ...v1, analysedSopInstanceUids: ['1.2.3.4', '1.2.9.1'] };
    const b = { ...v1, analysedSopInstanceUids: ['1.2.9.1', '1.2.3.4'] };
    expect(resultUids(a, 'sr')).toEqual(resultUids(b, 'sr'));
  });
});
