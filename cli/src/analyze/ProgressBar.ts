import { MultiBar, Presets } from 'cli-progress';

/** cli-progress on stderr, counting files; the total is unknown ("?") until the listing pass has counted them. */
export class ProgressBar {
  private readonly multibar: MultiBar;
  private readonly bar: ReturnType<MultiBar['create']>;
  private known = false;
  private value = 0;
  private readonly started = performance.now();

  constructor(stream: NodeJS.WritableStream) {
    this.multibar = new MultiBar({ stream, format: 'analysing [{bar}] {value}/{shownTotal} files | {speed} files/s | {eta_formatted} left', etaBuffer: 50, hideCursor: true }, Presets.shades_classic);
    this.bar = this.multibar.create(1, 0, { shownTotal: '?', speed: '0' });
  }

  setTotal(total: number): void {
    this.known = true;
    this.bar.setTotal(Math.max(1, total));
    this.increment(0);
  }

  increment(count: number): void {
    this.value += count;
    const { value } = this;
    // Until the total is known, keep the bar's own total just ahead of the count so it never reads "done".
    if (!this.known) this.bar.setTotal(value + 1);
    const seconds = (performance.now() - this.started) / 1000;
    this.bar.increment(count, { shownTotal: this.known ? String(this.bar.getTotal()) : '?', speed: seconds > 0 ? (value / seconds).toFixed(1) : '0' });
  }

  log(line: string): void {
    this.multibar.log(line);
  }

  /** Draws once more first: cli-progress's stop() drops lines logged since the last redraw. */
  stop(): void {
    this.multibar.update();
    this.multibar.stop();
  }
}
