import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/paths';

export type ServiceName = 'ingest' | 'infer' | 'report';

export interface Replica {
  id: string;
  service: ServiceName;
  port: number;
  env: Record<string, string>;
  logFile: string;
  child?: ChildProcess;
  log?: WriteStream;
  /** Set while the soak itself stops or kills the replica, so that exit is not counted as a crash. */
  stopping?: boolean;
}

/**
 * Two replicas of each service, run by the soak itself (not by stack.sh) so it can kill -9 any one of them and
 * point them all at the PACS through its proxy. Every replica appends to its own log under .lungflow/logs/.
 */
export class ServiceFleet {
  readonly replicas: Replica[];

  constructor(base: Record<string, string>, ports: Record<ServiceName, [number, number]>, logDir: string) {
    this.replicas = (['ingest', 'infer', 'report'] as const).flatMap((service) =>
      ports[service].map((port, i) => ({
        id: `${service}-${'ab'[i]}`,
        service,
        port,
        env: { ...base, [`${service.toUpperCase()}_HTTP_PORT`]: String(port) },
        logFile: join(logDir, `soak-${service}-${'ab'[i]}.log`),
      })),
    );
  }

  start(replica: Replica): void {
    replica.log ??= createWriteStream(replica.logFile, { flags: 'a' });
    const child = spawn(process.execPath, [join(REPO_ROOT, `services/${replica.service}/dist/main.js`)], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', ...replica.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(replica.log, { end: false });
    child.stderr?.pipe(replica.log, { end: false });
    replica.stopping = false;
    child.once('exit', (code, signal) => {
      if (replica.stopping) return;
      this.crashes.push(`${replica.id} exited by itself (code ${code}, signal ${signal}); read ${replica.logFile}`);
      // As a scheduler would (a service exits 1 when a consumer cannot rejoin, so that it is restarted): still a
      // finding, but the run goes on with the replica back instead of one replica short.
      if (!this.closing) setTimeout(() => !this.closing && replica.child === child && this.start(replica), 2_000 + Math.floor(Math.random() * 3_000));
    });
    replica.child = child;
  }

  async startAll(): Promise<void> {
    for (const replica of this.replicas) this.start(replica);
    for (const replica of this.replicas) await this.awaitReady(replica);
  }

  async awaitReady(replica: Replica, timeoutMs = 180_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (replica.child?.exitCode !== null && replica.child?.exitCode !== undefined) throw new Error(`${replica.id} exited with ${replica.child.exitCode}; read ${replica.logFile}`);
      try {
        if ((await fetch(`http://127.0.0.1:${replica.port}/healthz`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`${replica.id} did not answer /healthz within ${timeoutMs} ms; read ${replica.logFile}`);
  }

  /** SIGKILL: no shutdown hook runs, as in an OOM kill or a node failure. */
  async kill9(replica: Replica): Promise<void> {
    const child = replica.child;
    if (!child || child.exitCode !== null) return;
    replica.stopping = true;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Processes that ended without the soak stopping them: crashes (each one is a finding). */
  readonly crashes: string[] = [];

  /** Set by stopAll: no crashed replica is restarted any more. */
  private closing = false;

  async stopAll(): Promise<void> {
    this.closing = true;
    await Promise.all(
      this.replicas.map(async (replica) => {
        const child = replica.child;
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        replica.stopping = true;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        await exited;
        clearTimeout(timer);
      }),
    );
    for (const replica of this.replicas) replica.log?.end();
  }
}
