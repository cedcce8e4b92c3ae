import path from 'node:path';
import { loadModelRelease } from './modelCard';
import { OnnxClassifier, sessionOptionsOf } from './OnnxClassifier';

jest.setTimeout(60_000);

const MODELS = path.resolve(__dirname, '../../../models');

describe('OnnxClassifier session options', () => {
  it("asks onnxruntime's pool threads to sleep instead of spinning only when told to", () => {
    expect(sessionOptionsOf({}).extra).toBeUndefined();
    expect(sessionOptionsOf({ allowSpinning: true }).extra).toBeUndefined();
    expect(sessionOptionsOf({ allowSpinning: false, intraOpThreads: 2 })).toEqual({
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      intraOpNumThreads: 2,
      extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
    });
  });

  it('gives the same probabilities with the threads sleeping (onnxruntime accepts the entries)', async () => {
    const release = await loadModelRelease(path.join(MODELS, 'cxr-v1'));
    const size = release.card.input.size;
    const input = new Uint8Array(size * size).map((_, i) => (i * 7) % 251);
    const spinning = await OnnxClassifier.create(release, { intraOpThreads: 2 });
    const sleeping = await OnnxClassifier.create(release, { intraOpThreads: 2, allowSpinning: false });
    try {
      const [a] = await spinning.classify([input]);
      const [b] = await sleeping.classify([input]);
      expect(b?.probabilities).toEqual(a?.probabilities);
    } finally {
      await Promise.all([spinning.close(), sleeping.close()]);
    }
  });
});
