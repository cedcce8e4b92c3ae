import type { Classification } from '../OnnxClassifier';
import { decide, type DecisionRule } from '../decision/decide';
import { aggregateClassifications, aggregateSeries } from './aggregateClassifications';

function result(covid: number, threshold = 0.5, extra: { lungArea?: number; band?: DecisionRule['band'] } = {}): Classification {
  const rule: DecisionRule = { className: 'covid', threshold, ...(extra.band ? { band: extra.band } : {}), ...(extra.lungArea !== undefined ? { minLungAreaFraction: 0.05 } : {}) };
  return {
    probabilities: { noncovid: 1 - covid, covid },
    logits: {},
    cam: { width: 1, height: 1, maps: {} },
    decision: decide(covid, rule, extra.lungArea),
  };
}

describe('aggregateClassifications', () => {
  it('max: the most suspicious image speaks for the group, with its whole distribution', () => {
    const agg = aggregateClassifications([result(0.2), result(0.7), result(0.4)], { method: 'max' });
    expect(agg.probabilities).toEqual({ noncovid: expect.closeTo(0.3, 12), covid: 0.7 });
    expect(agg.decision).toEqual({ className: 'covid', threshold: 0.5, positive: true, status: 'positive' });
    expect(agg.method).toBe('max');
    expect(agg.analysedImages).toBe(3);
  });

  it('mean-top-k: one outlier slice does not make a CT volume positive', () => {
    const slices = [0.9, 0.1, 0.2, 0.15, 0.3].map((p) => result(p));
    const agg = aggregateClassifications(slices, { method: 'mean-top-k', k: 3 });
    expect(agg.probabilities.covid).toBeCloseTo((0.9 + 0.3 + 0.2) / 3, 12);
    expect(agg.probabilities.covid + agg.probabilities.noncovid).toBeCloseTo(1, 12);
    expect(agg.decision).toMatchObject({ positive: false, status: 'negative' });
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

  it('leaves out images without lungs: they neither make a study positive nor indeterminate while another image is callable', () => {
    const noLungsButHigh = result(0.99, 0.5, { lungArea: 0.01 });
    const agg = aggregateClassifications([noLungsButHigh, result(0.2, 0.5, { lungArea: 0.3 })], { method: 'max' });
    expect(agg.probabilities.covid).toBeCloseTo(0.2, 12);
    expect(agg.decision).toMatchObject({ status: 'negative', positive: false });
    expect(agg.analysedImages).toBe(2);
    // CT: slices above and below the lungs do not dilute the top-k of the slices that show lung.
    const ct = aggregateClassifications([result(0.9, 0.5, { lungArea: 0.2 }), result(0.8, 0.5, { lungArea: 0.2 }), ...[0.01, 0.02].map((p) => result(p, 0.5, { lungArea: 0 }))], { method: 'mean-top-k', k: 3 });
    expect(ct.probabilities.covid).toBeCloseTo(0.85, 12);
    expect(ct.decision.status).toBe('positive');
  });

  it('is indeterminate (no-lungs) only when no image has lungs', () => {
    const agg = aggregateClassifications([result(0.9, 0.5, { lungArea: 0 }), result(0.1, 0.5, { lungArea: 0.02 })], { method: 'max' });
    expect(agg.decision).toMatchObject({ status: 'indeterminate', reason: 'no-lungs', positive: false });
    expect(agg.probabilities.covid).toBeCloseTo(0.9, 12);
  });

  it('keeps uncertain images as evidence and applies the band to the aggregate', () => {
    const band = { low: 0.3, high: 0.6 };
    const uncertain = result(0.45, 0.5, { band });
    expect(aggregateClassifications([uncertain, result(0.1, 0.5, { band })], { method: 'max' }).decision).toMatchObject({ status: 'indeterminate', reason: 'uncertain', band });
    expect(aggregateClassifications([uncertain, result(0.7, 0.5, { band })], { method: 'max' }).decision).toMatchObject({ status: 'positive', positive: true });
  });
});

describe('aggregateSeries', () => {
  it('takes the series furthest above its own threshold and counts every image', () => {
    const cxr = aggregateClassifications([result(0.55, 0.5)], { method: 'max' });
    const ct = aggregateClassifications([result(0.3, 0.2), result(0.3, 0.2)], { method: 'mean-top-k', k: 3 });
    const study = aggregateSeries([cxr, ct]);
    expect(study.probabilities.covid).toBeCloseTo(0.3, 12);
    expect(study.decision).toEqual({ className: 'covid', threshold: 0.2, positive: true, status: 'positive' });
    expect(study.analysedImages).toBe(3);
    expect(study.method).toBe('max+mean-top-3;series:max-margin');
  });

  it('ranks positive over uncertain over negative over no lungs', () => {
    const band = { low: 0.3, high: 0.6 };
    const noLungs = aggregateClassifications([result(0.99, 0.5, { lungArea: 0 })], { method: 'max' });
    const negative = aggregateClassifications([result(0.1, 0.5, { lungArea: 0.3 })], { method: 'max' });
    const uncertain = aggregateClassifications([result(0.4, 0.5, { band })], { method: 'max' });
    const positive = aggregateClassifications([result(0.61, 0.5, { band })], { method: 'max' });
    expect(aggregateSeries([noLungs, negative]).decision.status).toBe('negative');
    expect(aggregateSeries([noLungs, negative, uncertain]).decision).toMatchObject({ status: 'indeterminate', reason: 'uncertain' });
    expect(aggregateSeries([uncertain, positive, noLungs]).decision.status).toBe('positive');
    expect(aggregateSeries([noLungs]).decision).toMatchObject({ status: 'indeterminate', reason: 'no-lungs' });
  });
});
