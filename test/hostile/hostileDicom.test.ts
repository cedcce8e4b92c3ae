import { createHash } from 'node:crypto';
import { readPart10Header } from '@lungflow/dicom';
import { HostileDicomGenerator } from './hostileDicom';

const digest = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('HostileDicomGenerator (issue 16, hostile input)', () => {
  const seed = 16_2026;
  const instances = new HostileDicomGenerator(seed).generate(300);

  it('is deterministic: the same seed gives the same bytes; another seed gives other UIDs', () => {
    const again = new HostileDicomGenerator(seed).generate(300);
    expect(again.map((i) => digest(i.bytes))).toEqual(instances.map((i) => digest(i.bytes)));
    const other = new HostileDicomGenerator(seed + 1).generate(300);
    expect(other[0]!.studyInstanceUid).not.toBe(instances[0]!.studyInstanceUid);
  });

  it('gives every instance its own study, series and SOP instance, and covers every kind', () => {
    expect(new Set(instances.map((i) => i.studyInstanceUid)).size).toBe(300);
    expect(new Set(instances.map((i) => i.sopInstanceUid)).size).toBe(300);
    expect(new Set(instances.map((i) => i.kind))).toEqual(new Set(['truncated', 'garbage', 'wrong-length', 'deflate-bomb', 'huge-dimensions', 'transfer-syntax', 'sop-class', 'broken-uid', 'markup', 'pixel-attributes']));
    expect(new HostileDicomGenerator(seed).generate(10)).toHaveLength(10);
  });

  it('keeps the instances small (the deflate bombs are small on the wire, large once inflated)', () => {
    const bombs = instances.filter((i) => i.kind === 'deflate-bomb');
    expect(bombs.length).toBeGreaterThan(0);
    for (const bomb of bombs) expect(bomb.bytes.length).toBeLessThan(200_000);
    expect(Math.max(...instances.map((i) => i.bytes.length))).toBeLessThan(200_000);
  });

  it('writes markup instances that are still readable DICOM naming the UIDs the generator reports', () => {
    for (const instance of instances.filter((i) => i.kind === 'markup')) {
      const header = readPart10Header(instance.bytes);
      expect(header.sopInstanceUid).toBe(instance.sopInstanceUid);
      expect(header.studyInstanceUid).toBe(instance.studyInstanceUid);
      expect(instance.bytes.toString('latin1')).toContain('<');
    }
  });
});
