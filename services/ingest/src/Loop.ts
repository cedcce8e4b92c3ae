import { backoffDelay } from '@lungflow/errors';

/**
 * Runs `task` every `intervalMs` (after the previous run ended, never overlapping). Failures are reported and the
 * next run waits longer (doubling up to `maxBackoffMs`), so an unreachable PACS is not hammered.
 */
export class Loop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private failures = 0;

  constructor(
    private readonly task: () => Promise<unknown>,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown, failures: number) => void,
    private readonly maxBackoffMs = 30_000,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce().finally(() => {
        this.running = undefined;
        this.schedule(this.failures === 0 ? this.intervalMs : backoffDelay(this.failures + 1, { initialMs: this.intervalMs, maxMs: this.maxBackoffMs }));
      });
    }, delay);
  }

  private async runOnce(): Promise<void> {
    try {
      await this.task();
      this.failures = 0;
    } catch (error) {
      this.failures += 1;
      this.onError(error, this.failures);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
