import { AGE_POINTS_PER_HOUR, POSITIVE_POINTS, priorityAt, sortKey, urgency } from './priority';

const at = (iso: string) => new Date(iso);

describe('worklist priority', () => {
  it('puts every fresh positive above every fresh negative, the more probable first', () => {
    const listedAt = '2026-11-26T10:00:00.000Z';
    const ranked = [
      { positive: true, probability: 0.55, listedAt },
      { positive: false, probability: 0.49, listedAt },
      { positive: true, probability: 0.95, listedAt },
      { positive: false, probability: 0.05, listedAt },
    ].sort((a, b) => sortKey(b) - sortKey(a));
    expect(ranked.map((r) => [r.positive, r.probability])).toEqual([[true, 0.95], [true, 0.55], [false, 0.49], [false, 0.05]]);
    expect(urgency({ positive: true, probability: 0 })).toBe(POSITIVE_POINTS);
  });

  it('lets a waiting study climb by AGE_POINTS_PER_HOUR, so a negative overtakes a fresh positive after 50 hours', () => {
    const now = at('2026-11-28T12:00:00.000Z');
    const fresh = { positive: true, probability: 0.6, listedAt: now.toISOString() };
    const waited49h = { positive: false, probability: 0.6, listedAt: '2026-11-26T11:00:00.000Z' };
    const waited51h = { positive: false, probability: 0.6, listedAt: '2026-11-26T09:00:00.000Z' };
    expect(priorityAt(waited49h, now)).toBeCloseTo(60 + 49 * AGE_POINTS_PER_HOUR);
    expect(priorityAt(waited49h, now)).toBeLessThan(priorityAt(fresh, now));
    expect(priorityAt(waited51h, now)).toBeGreaterThan(priorityAt(fresh, now));
  });

  it('orders by the fixed sort key exactly as by the priority at any moment', () => {
    const items = Array.from({ length: 50 }, (_, i) => ({
      positive: i % 3 === 0,
      probability: ((i * 37) % 100) / 100,
      listedAt: new Date(Date.UTC(2026, 10, 20) + ((i * 7919) % 200) * 3_600_000).toISOString(),
    }));
    const byKey = [...items].sort((a, b) => sortKey(b) - sortKey(a));
    for (const now of [at('2026-11-29T00:00:00Z'), at('2027-03-01T00:00:00Z')]) {
      const byPriority = [...items].sort((a, b) => priorityAt(b, now) - priorityAt(a, now));
      expect(byPriority).toEqual(byKey);
    }
  });
});
