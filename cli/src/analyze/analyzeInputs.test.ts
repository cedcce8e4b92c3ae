import { analyzeInputs } from './analyzeInputs';
import type { AnalysisInput } from './collectInputs';
import type { AnalysisResult } from './AnalysisResult';
import { OutputWriter } from './OutputWriter';
import type { ModelSet } from '@lungflow/inference';

// Invalid inputs are reported without a model, so these runs exercise only the scheduling.
const models = {} as ModelSet;

async function* inputs(count: number, pulled: { count: number }): AsyncGenerator<AnalysisInput> {
  for (let i = 0; i < count; i += 1) {
    pulled.count += 1;
    yield { kind: 'invalid', input: `in-${i}`, reason: 'test' };
  }
}

describe('analyzeInputs', () => {
  it('reports every input once, in input order, pulling no further ahead than the window', async () => {
    const pulled = { count: 0 };
    const seen: string[] = [];
    let furthestAhead = 0;
    await analyzeInputs(inputs(500, pulled), {
      modality: 'cxr', models, outputs: new OutputWriter(undefined), concurrency: 3, window: 6,
      onResult: async (result: AnalysisResult) => {
        furthestAhead = Math.max(furthestAhead, pulled.count - seen.length);
        seen.push(result.input);
        await new Promise((resolve) => setImmediate(resolve));
      },
    });
    expect(seen).toEqual(Array.from({ length: 500 }, (_, i) => `in-${i}`));
    expect(furthestAhead).toBeLessThanOrEqual(6);
  });

  it('holds the walk back while the consumer of results is slow (a full stdout)', async () => {
    const pulled = { count: 0 };
    let reported = 0;
    let furthestAhead = 0;
    await analyzeInputs(inputs(40, pulled), {
      modality: 'cxr', models, outputs: new OutputWriter(undefined), concurrency: 4,
      onResult: async () => {
        furthestAhead = Math.max(furthestAhead, pulled.count - reported);
        reported += 1;
        await new Promise((resolve) => setTimeout(resolve, 5));
      },
    });
    expect(reported).toBe(40);
    // The default window is 8 × concurrency.
    expect(furthestAhead).toBeLessThanOrEqual(32);
  });
});
