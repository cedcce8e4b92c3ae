import { decide, decisionRuleOf } from './decide';
import type { ModelCard } from '../modelCard';

const card = (extra: Partial<ModelCard> = {}): ModelCard =>
  ({ operatingPoint: { className: 'covid19', threshold: 0.3 }, ...extra }) as unknown as ModelCard;

describe('decide', () => {
  it('v1 card (no band, no segmentation): positive = p >= threshold, with the status beside it', () => {
    const rule = decisionRuleOf(card());
    expect(decide(0.3, rule)).toEqual({ className: 'covid19', threshold: 0.3, positive: true, status: 'positive' });
    expect(decide(0.2999, rule)).toEqual({ className: 'covid19', threshold: 0.3, positive: false, status: 'negative' });
    // A lung fraction without a segmentation rule changes nothing.
    expect(decide(0.9, rule, 0).status).toBe('positive');
  });

  it('band [low, high): indeterminate inside, the threshold rule outside', () => {
    const rule = decisionRuleOf(card({ operatingPoint: { className: 'covid19', threshold: 0.3, indeterminate: { low: 0.2, high: 0.4 } } }));
    expect(decide(0.19, rule)).toMatchObject({ status: 'negative', positive: false });
    expect(decide(0.2, rule)).toMatchObject({ status: 'indeterminate', reason: 'uncertain', positive: false });
    expect(decide(0.35, rule)).toMatchObject({ status: 'indeterminate', reason: 'uncertain', positive: false });
    expect(decide(0.4, rule)).toMatchObject({ status: 'positive', positive: true, band: { low: 0.2, high: 0.4 } });
  });

  it('too little lung is indeterminate whatever the probability', () => {
    const rule = decisionRuleOf(card({ segmentation: { id: 'lungseg-v1', output: 'lungs', threshold: 0.5, minAreaFraction: 0.05 } }));
    expect(decide(0.99, rule, 0.049)).toEqual({ className: 'covid19', threshold: 0.3, positive: false, status: 'indeterminate', reason: 'no-lungs' });
    expect(decide(0.01, rule, 0.01)).toMatchObject({ status: 'indeterminate', reason: 'no-lungs' });
    expect(decide(0.99, rule, 0.05)).toMatchObject({ status: 'positive' });
  });
});
