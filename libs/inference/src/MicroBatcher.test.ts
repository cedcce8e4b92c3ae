import { MicroBatcher } from './MicroBatcher';

describe('MicroBatcher', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs a full batch at once, without waiting', async () => {
    const calls: number[][] = [];
    const batcher = new MicroBatcher<number, number>(async (items) => { calls.push(items); return items.map((x) => x * 2); }, { maxBatch: 3, maxWaitMs: 1000 });
    const results = Promise.all([1, 2, 3].map((x) => batcher.submit(x)));
    await expect(results).resolves.toEqual([2, 4, 6]);
    expect(calls).toEqual([[1, 2, 3]]);
  });

  it('runs a partial batch after maxWaitMs', async () => {
    const calls: number[][] = [];
    const batcher = new MicroBatcher<number, number>(async (items) => { calls.push(items); return items; }, { maxBatch: 8, maxWaitMs: 20 });
    const first = batcher.submit(1);
    const second = batcher.submit(2);
    expect(calls).toEqual([]);
    jest.advanceTimersByTime(20);
    await expect(Promise.all([first, second])).resolves.toEqual([1, 2]);
    expect(calls).toEqual([[1, 2]]);
  });

  it('rejects every item of a failed batch and keeps serving later ones', async () => {
    let fail = true;
    const batcher = new MicroBatcher<number, number>(async (items) => { if (fail) throw new Error('boom'); return items; }, { maxBatch: 2, maxWaitMs: 5 });
    const failed = [batcher.submit(1), batcher.submit(2)];
    await expect(failed[0]).rejects.toThrow('boom');
    await expect(failed[1]).rejects.toThrow('boom');
    fail = false;
    await expect(Promise.all([batcher.submit(3), batcher.submit(4)])).resolves.toEqual([3, 4]);
  });
});
