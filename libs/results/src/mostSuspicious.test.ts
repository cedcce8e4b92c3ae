import { mostSuspicious, suspicionMargin } from './mostSuspicious';

const result = (id: string, p: number, threshold = 0.5, reason?: 'no-lungs' | 'uncertain') => ({
  id,
  probabilities: { covid19: p, no_finding: 1 - p },
  decision: { className: 'covid19', threshold, ...(reason ? { reason } : {}) },
});

describe('mostSuspicious', () => {
  it('draws the image whose decision clears its threshold by the most, in either order', () => {
    const low = result('1.1', 0.6);
    const high = result('1.2', 0.9);
    expect(mostSuspicious([low, high]).id).toBe('1.2');
    expect(mostSuspicious([high, low]).id).toBe('1.2');
  });

  it('compares margins, not probabilities, across models with other thresholds', () => {
    // 0.7 over 0.3 (margin 0.4) beats 0.8 over 0.6 (margin 0.2): thresholds differ per model.
    expect(mostSuspicious([result('a', 0.8, 0.6), result('b', 0.7, 0.3)]).id).toBe('b');
  });

  it('draws an image without lungs only when no image has lungs (its CAM is all zero)', () => {
    const noLungs = result('none', 0.99, 0.1, 'no-lungs');
    expect(mostSuspicious([noLungs, result('lungs', 0.05)]).id).toBe('lungs');
    expect(mostSuspicious([noLungs]).id).toBe('none');
    expect(suspicionMargin(noLungs)).toBeLessThan(suspicionMargin(result('worst', 0, 1)));
  });

  it('keeps the first of equal margins and refuses an empty list', () => {
    expect(mostSuspicious([result('first', 0.7), result('second', 0.7)]).id).toBe('first');
    expect(() => mostSuspicious([])).toThrow(RangeError);
  });
});
