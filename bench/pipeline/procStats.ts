import { readFileSync } from 'node:fs';

/** CPU seconds and resident memory of the stack's processes, read from /proc (Linux). */
export interface ProcSample {
  cpuSeconds: number;
  rssBytes: number;
}

const CLOCK_TICKS = 100; // sysconf(_SC_CLK_TCK) on Linux/x86-64 and arm64

export function readProc(pid: number): ProcSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name (which may contain spaces): utime is field 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return { cpuSeconds, rssBytes: rssKb * 1024 };
  } catch {
    return undefined;
  }
}

/** Samples every process every `intervalMs` while a phase runs: CPU seconds used and peak RSS in the phase. */
export class ProcMonitor {
  private readonly start = new Map<string, ProcSample>();
  private readonly last = new Map<string, ProcSample>();
  private readonly peak = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly pids: Record<string, number>, private readonly intervalMs = 250) {}

  begin(): void {
    for (const [name, pid] of Object.entries(this.pids)) {
      const sample = readProc(pid);
      if (sample) {
        this.start.set(name, sample);
        this.peak.set(name, sample.rssBytes);
      }
    }
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  private sample(): void {
    for (const [name, pid] of Object.entries(this.pids)) {
      const sample = readProc(pid);
      if (!sample) continue;
      this.last.set(name, sample);
      this.peak.set(name, Math.max(this.peak.get(name) ?? 0, sample.rssBytes));
    }
  }

  end(): Record<string, { cpuSeconds: number; peakRssMiB: number }> {
    clearInterval(this.timer);
    this.sample();
    const out: Record<string, { cpuSeconds: number; peakRssMiB: number }> = {};
    for (const [name, first] of this.start) {
      const last = this.last.get(name) ?? first;
      out[name] = { cpuSeconds: last.cpuSeconds - first.cpuSeconds, peakRssMiB: (this.peak.get(name) ?? 0) / 2 ** 20 };
    }
    return out;
  }
}
