import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../helpers/paths';
import type { PacsProxy } from '../helpers/PacsProxy';
import type { ServiceFleet } from './ServiceFleet';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type FaultKind = 'kill-9' | 'kafka-restart' | 'redis-kill-9' | 'pacs-unreachable-60s' | 'pacs-slow';

export interface Fault {
  kind: FaultKind;
  /** The replica for kill-9. */
  target?: string;
  /** Pause before this fault, after the previous one ended. */
  afterMs: number;
}

/** Kills are the most common fault in a hospital's week; each replica is hit, and each server fault at least once. */
export function faultSchedule(random: () => number, count: number, replicaIds: readonly string[], spanMs: number): Fault[] {
  const mandatory: Fault[] = [
    ...replicaIds.map((target) => ({ kind: 'kill-9' as const, target, afterMs: 0 })),
    { kind: 'kafka-restart', afterMs: 0 },
    { kind: 'redis-kill-9', afterMs: 0 },
    { kind: 'pacs-unreachable-60s', afterMs: 0 },
    { kind: 'pacs-slow', afterMs: 0 },
  ];
  const extra: Fault[] = [];
  const kinds: FaultKind[] = ['kill-9', 'kill-9', 'kill-9', 'kafka-restart', 'redis-kill-9', 'pacs-slow'];
  while (mandatory.length + extra.length < count) {
    const kind = kinds[Math.floor(random() * kinds.length)]!;
    extra.push(kind === 'kill-9' ? { kind, target: replicaIds[Math.floor(random() * replicaIds.length)]!, afterMs: 0 } : { kind, afterMs: 0 });
  }
  const all = [...mandatory, ...extra];
  // Fisher-Yates with the seeded generator, then random pauses that add up to about the storing span.
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  const chosen = all.slice(0, count);
  const meanGap = spanMs / (chosen.length + 1);
  return chosen.map((fault) => ({ ...fault, afterMs: Math.floor(meanGap * (0.25 + 1.5 * random())) }));
}

/** Runs the schedule one fault at a time and logs each to the soak's own output. */
export class FaultDriver {
  readonly done: string[] = [];

  constructor(
    private readonly fleet: ServiceFleet,
    private readonly proxy: PacsProxy,
    private readonly stateDir: string,
    private readonly say: (line: string) => void,
  ) {}

  async run(schedule: readonly Fault[], stopped: () => boolean): Promise<void> {
    for (const fault of schedule) {
      await sleep(fault.afterMs);
      if (stopped()) break;
      const started = Date.now();
      await this.inject(fault);
      const label = fault.target ? `${fault.kind} ${fault.target}` : fault.kind;
      this.done.push(label);
      this.say(`fault ${this.done.length}/${schedule.length}: ${label} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    }
  }

  private async inject(fault: Fault): Promise<void> {
    switch (fault.kind) {
      case 'kill-9': {
        const replica = this.fleet.replicas.find((r) => r.id === fault.target)!;
        await this.fleet.kill9(replica);
        // A scheduler restarts a killed pod after a few seconds.
        await sleep(2_000 + Math.floor(Math.random() * 3_000));
        this.fleet.start(replica);
        await this.fleet.awaitReady(replica);
        return;
      }
      case 'kafka-restart':
        await this.stack('down', 'kafka');
        await sleep(5_000);
        await this.stack('up', 'kafka');
        return;
      case 'redis-kill-9': {
        const pid = Number(readFileSync(join(this.stateDir, 'run/redis.pid'), 'utf8').trim());
        process.kill(pid, 'SIGKILL');
        await sleep(3_000);
        await this.stack('up', 'redis');
        return;
      }
      case 'pacs-unreachable-60s':
        this.proxy.set('down');
        await sleep(60_000);
        this.proxy.set('up');
        return;
      case 'pacs-slow':
        this.proxy.set('slow', 500);
        await sleep(30_000);
        this.proxy.set('up');
        return;
    }
  }

  private async stack(action: 'up' | 'down', component: string): Promise<void> {
    await run('bash', [join(REPO_ROOT, 'deploy/local/stack.sh'), action, component], { cwd: REPO_ROOT, env: process.env });
  }
}
