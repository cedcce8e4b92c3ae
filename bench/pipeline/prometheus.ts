/** Sum and count of each histogram series in a Prometheus text exposition, keyed `name{labels}`. */
export type HistogramTotals = Map<string, { sum: number; count: number }>;

export function histogramTotals(text: string): HistogramTotals {
  const totals: HistogramTotals = new Map();
  for (const line of text.split('\n')) {
    const match = /^(\w+)_(sum|count)(\{[^}]*\})? ([-+\d.eE]+|NaN)$/.exec(line);
    if (!match) continue;
    const [, name, kind, rawLabels = '', value] = match;
    // The service label is on every series; leaving it out keeps keys short.
    const labels = rawLabels.replace(/,?service="[^"]*"/, '').replace(/^\{,?/, '{').replace(/^\{\}$/, '');
    const key = `${name}${labels}`;
    const entry = totals.get(key) ?? { sum: 0, count: 0 };
    entry[kind as 'sum' | 'count'] = Number(value);
    totals.set(key, entry);
  }
  return totals;
}

/** Mean per observation of each series between two scrapes (series with no new observation are left out). */
export function meanBetween(before: HistogramTotals, after: HistogramTotals): Map<string, { mean: number; count: number }> {
  const out = new Map<string, { mean: number; count: number }>();
  for (const [key, end] of after) {
    const start = before.get(key) ?? { sum: 0, count: 0 };
    const count = end.count - start.count;
    if (count > 0) out.set(key, { mean: (end.sum - start.sum) / count, count });
  }
  return out;
}
