import type { ReportPacs } from '../pacs/ReportPacs';
import { ReviewGate } from './ReviewGate';

/** A hash-only stand-in for Redis (unit test); the gate uses HSET, HGETALL and DEL. */
function fakeRedis() {
  const hashes = new Map<string, Record<string, Buffer>>();
  return {
    hset: async (key: string, fields: Record<string, Buffer>) => void hashes.set(key, { ...(hashes.get(key) ?? {}), ...fields }),
    hgetallBuffer: async (key: string) => hashes.get(key) ?? {},
    del: async (key: string) => (hashes.delete(key) ? 1 : 0),
  };
}

describe('review gate', () => {
  const stored: Uint8Array[][] = [];
  const pacs = { storeInstances: async (instances: readonly Uint8Array[]) => (stored.push([...instances]), { stored: [], failed: [] }) } as unknown as ReportPacs;

  it('holds the model result instead of storing it, and stores it when the reviewer agrees', async () => {
    const gate = new ReviewGate(fakeRedis() as never, pacs);
    await gate.holdingPacs().storeInstances([new Uint8Array([1]), new Uint8Array([2])], '1.2.3');
    expect(stored).toEqual([]);
    expect(await gate.decide('1.2.3', true)).toBe(true);
    expect(stored).toEqual([[new Uint8Array([1]), new Uint8Array([2])]]);
    expect(await gate.decide('1.2.3', true)).toBe(false); // released once
  });

  it('drops the held result when the reviewer disagrees', async () => {
    stored.length = 0;
    const gate = new ReviewGate(fakeRedis() as never, pacs);
    await gate.holdingPacs().storeInstances([new Uint8Array([3])], '1.2.4');
    expect(await gate.decide('1.2.4', false)).toBe(true);
    expect(stored).toEqual([]);
    expect(await gate.decide('1.2.4', true)).toBe(false);
  });
});
