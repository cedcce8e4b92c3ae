import type { AnalysisResult } from './AnalysisResult';

/** What the closing line of a run says: how many inputs, how they went, how fast, and the process's peak memory. */
export class RunSummary {
  inputs = 0;
  ok = 0;
  failed = 0;
  /** Inputs whose decision is positive at the model's operating point. */
  flagged = 0;
  /** Images through a model (a picture is one; a DICOM study counts each analysed frame). */
  images = 0;
  private readonly startedAt: number;

  constructor(private readonly now: () => number = () => performance.now()) {
    this.startedAt = now();
  }

  add(result: AnalysisResult): void {
    this.inputs += 1;
    if (!result.ok) {
      this.failed += 1;
      return;
    }
    this.ok += 1;
    this.images += result.analysedImages;
    if (result.decision.positive) this.flagged += 1;
  }

  /**
   * `lungflow: 5000 input(s): 4990 ok, 10 failed, 312 flagged positive | 4990 image(s) in 81.2 s, 61.5 images/s |
   * peak RSS 231 MiB`. Peak RSS is getrusage's ru_maxrss: the whole process, onnxruntime's and libvips' threads too.
   */
  format(maxRssKiB: number = process.resourceUsage().maxRSS): string {
    const seconds = (this.now() - this.startedAt) / 1000;
    const rate = seconds > 0 ? this.images / seconds : 0;
    return `lungflow: ${this.inputs} input(s): ${this.ok} ok, ${this.failed} failed, ${this.flagged} flagged positive | ${this.images} image(s) in ${seconds.toFixed(1)} s, ${rate.toFixed(1)} images/s | peak RSS ${Math.round(maxRssKiB / 1024)} MiB`;
  }
}
