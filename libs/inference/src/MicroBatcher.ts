/**
 * Collects single items into batches: a batch runs when it holds `maxBatch` items or when the oldest item has
 * waited `maxWaitMs`, whichever comes first. Batching across Kafka messages keeps the model busy under load without
 * adding more than `maxWaitMs` of latency when traffic is light.
 */
export interface MicroBatcherOptions {
  maxBatch: number;
  maxWaitMs: number;
}

interface Pending<I, O> {
  item: I;
  resolve: (output: O) => void;
  reject: (error: unknown) => void;
}

export class MicroBatcher<I, O> {
  private queue: Pending<I, O>[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly runBatch: (items: I[]) => Promise<O[]>,
    private readonly options: MicroBatcherOptions,
  ) {
    if (options.maxBatch < 1) throw new RangeError('maxBatch must be at least 1');
  }

  /** Resolves with this item's output once its batch has run; rejects if the batch fails. */
  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.queue.length >= this.options.maxBatch) this.flush();
      else if (!this.timer) this.timer = setTimeout(() => this.flush(), this.options.maxWaitMs);
    });
  }

  /** Runs whatever is queued now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.runBatch(batch.map((pending) => pending.item)).then(
        (outputs) => {
          if (outputs.length !== batch.length) {
            const error = new Error(`batch of ${batch.length} returned ${outputs.length} outputs`);
            batch.forEach((pending) => pending.reject(error));
            return;
          }
          batch.forEach((pending, index) => pending.resolve(outputs[index]));
        },
        (error) => batch.forEach((pending) => pending.reject(error)),
      );
    }
  }
}
