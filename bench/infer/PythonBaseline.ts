import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';

export interface PythonBlock {
  latencies: number[];
  peakRssMiB: number;
}

/**
 * bench/python_baseline.py in `--serve` mode: a live Python onnxruntime session on the same model and inputs, asked
 * for short blocks of runs in turn with the TypeScript side, so drifting load on a shared host hits both alike.
 */
export class PythonBaseline {
  private readonly queued: string[] = [];
  private readonly waiting: { resolve: (line: string) => void; reject: (error: Error) => void }[] = [];
  private exited: Error | undefined;
  runtime = 'python onnxruntime';

  private constructor(private readonly child: ChildProcessByStdio<Writable, Readable, null>) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const waiter = this.waiting.shift();
      if (waiter) waiter.resolve(line);
      else this.queued.push(line);
    });
    child.on('exit', (code) => {
      this.exited = new Error(`python baseline exited with code ${code}`);
      for (const waiter of this.waiting.splice(0)) waiter.reject(this.exited);
    });
  }

  /** Starts the baseline and waits until its session is warm; throws when Python or onnxruntime is missing. */
  static async start(python: string, args: string[]): Promise<PythonBaseline> {
    if (!existsSync(python)) throw new Error(`${python} not found`);
    const baseline = new PythonBaseline(spawn(python, [...args, '--serve'], { stdio: ['pipe', 'pipe', 'inherit'] }));
    baseline.runtime = (JSON.parse(await baseline.next()) as { runtime: string }).runtime;
    return baseline;
  }

  /** `n` timed runs of batch `batch`, starting at input `offset`. */
  async block(n: number, offset: number, batch = 1): Promise<PythonBlock> {
    this.child.stdin.write(`${n} ${offset} ${batch}\n`);
    return JSON.parse(await this.next()) as PythonBlock;
  }

  close(): void {
    this.child.stdin.end();
  }

  private next(): Promise<string> {
    const line = this.queued.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }
}
