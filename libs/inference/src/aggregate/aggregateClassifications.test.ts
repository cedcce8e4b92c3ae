import type { Classification } from '../OnnxClassifier';
import { aggregateClassifications, aggregateSeries } from './aggregateClassifications';

function result(covid: number, threshold = 0.5): Classification {
  return {
    probabilities: { noncovid: 1 - covid, covid },
    logits: {},
    cam: { width: 1, height: 1, maps: {} },
    decision: { className: 'covid', threshold, positive: covid >= threshold },
  };
}

describe('aggregateClassifications', () => {
  it('max: the most suspicious image speaks for the group, with its whole distribution', () => {
    const agg = aggregateClassifications([result(0.2), result(0.7), result(0.4)], { method: 'max' });
    expect(agg.probabilities).toEqual({ noncovid: expect.closeTo(0.3, 12), covid: 0.7 });
    expect(agg.decision).toEqual({ className: 'covid', threshold: 0.5, positive: true });
    expect(agg.method).toBe('max');
    expect(agg.analysedImages).toBe(3);
  });

  it('mean-top-k: one outlier slice does not make a CT volume positive', () => {
    const slices = [0.9, 0.1, 0.2, 0.15, 0.3].map((p) => result(p));
    const agg = aggregateClassifications(slices, { method: 'mean-top-k', k: 3 });
    expect(agg.probabilities.covid).toBeCloseTo((0.9 + 0.3 + 0.2) / 3, 12);
    expect(agg.probabilities.covid + agg.probabilities.noncovid).toBeCloseTo(1, 12);
    expect(agg.decision.positive).toBe(false);
    expect(agg.method).toBe('mean-top-3');
  });

  it('mean-top-k with fewer images than k averages them all', () => {
    const agg = aggregateClassifications([result(0.6), result(0.8)], { method: 'mean-top-k', k: 5 });
    expect(agg.probabilities.covid).toBeCloseTo(0.7, 12);
    expect(agg.decision.positive).toBe(true);
  });

  it('refuses an empty group', () => {
    expect(() => aggregateClassifications([], { method: 'max' })).toThrow(/No image results/);
  });
});

describe('aggregateSeries', () => {
  it('takes the series furthest above its own threshold and counts every image', () => {
    const cxr = aggregateClassifications([result(0.55, 0.5)], { method: 'max' });
    const ct = aggregateClassifications([result(0.3, 0.2), result(0.3, 0.2)], { method: 'mean-top-k', k: 3 });
    const study = aggregateSeries([cxr, ct]);
    expect(study.probabilities.covid).toBeCloseTo(0.3, 12);
    expect(study.decision).toEqual({ className: 'covid', threshold: 0.2, positive: true });
    expect(study.analysedImages).toBe(3);
    expect(study.method).toBe('max+mean-top-3;series:max-margin');
  });
});
