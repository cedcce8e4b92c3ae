import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/paths';

// deploy/local/stack.sh itself. Most cases run a private Redis (and a deliberately broken Orthanc) with their own
// state folder and free ports, so they never touch the shared stack; the last case checks the shared stack is up
// and that `up` leaves it alone.
jest.setTimeout(120_000);

const STACK = join(REPO_ROOT, 'deploy/local/stack.sh');

interface Run {
  code: number;
  output: string;
  seconds: number;
}

function stack(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile('bash', [STACK, ...args], { env: { ...process.env, ...env }, timeout: 110_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      resolve({ code, output: `${stdout}${stderr}`, seconds: (Date.now() - started) / 1000 });
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('stack.sh on a private state folder', () => {
  let state: string;
  let env: NodeJS.ProcessEnv;

  beforeEach(async () => {
    state = await mkdtemp(join(tmpdir(), 'lungflow-stack-test-'));
    env = { LUNGFLOW_STATE_DIR: state, REDIS_PORT: String(await freePort()) };
  });

  afterEach(async () => {
    await stack(['down', 'redis', 'orthanc', 'kafka'], env);
    await rm(state, { recursive: true, force: true });
  });

  it('starts a component, treats a second up as a no-op, reports it, and stops exactly that process', async () => {
    const first = await stack(['up', 'redis'], env);
    expect(first.output).toContain('redis: starting');
    expect(first.output).toContain(`redis: healthy at redis://127.0.0.1:${env.REDIS_PORT}`);
    expect(first.code).toBe(0);
    const pid = Number(await readFile(join(state, 'run/redis.pid'), 'utf8'));
    expect(alive(pid)).toBe(true);

    const second = await stack(['up', 'redis'], env);
    expect(second.code).toBe(0);
    expect(second.output).toContain('redis: already running');
    expect(second.output).not.toContain('starting');
    expect(Number(await readFile(join(state, 'run/redis.pid'), 'utf8'))).toBe(pid);

    expect((await stack(['check', 'redis'], env)).code).toBe(0);
    const status = await stack(['status', 'redis'], env);
    expect(status.code).toBe(0);
    expect(status.output).toMatch(new RegExp(`redis\\s+healthy\\s+PID ${pid}`));

    const down = await stack(['down', 'redis'], env);
    expect(down.output).toContain(`redis: stopped (PID ${pid})`);
    expect(alive(pid)).toBe(false);
    expect(existsSync(join(state, 'run/redis.pid'))).toBe(false);
    expect((await stack(['check', 'redis'], env)).code).toBe(1);
    const stopped = await stack(['status', 'redis'], env);
    expect(stopped.code).toBe(3);
    expect(stopped.output).toMatch(/redis\s+stopped/);
  });

  it('removes a stale PID file (a live PID of another program) without touching that process, then starts', async () => {
    await stack(['up', 'redis'], env); // creates the folders
    await stack(['down', 'redis'], env);
    // This very jest process: alive, but not redis-server. Killing it would end the test.
    await writeFile(join(state, 'run/redis.pid'), `${process.pid}\n`);
    const up = await stack(['up', 'redis'], env);
    expect(up.output).toContain(`redis: removing stale PID file (PID ${process.pid} is not running redis-server)`);
    expect(up.output).toContain('redis: starting');
    expect(up.code).toBe(0);
    expect(Number(await readFile(join(state, 'run/redis.pid'), 'utf8'))).not.toBe(process.pid);
  });

  it('fails fast, naming the port and its variable, when something else holds the port', async () => {
    const squatter: Server = createServer();
    await new Promise<void>((resolve) => squatter.listen(Number(env.REDIS_PORT), '127.0.0.1', resolve));
    try {
      const up = await stack(['up', 'redis'], env);
      expect(up.code).not.toBe(0);
      expect(up.output).toContain(`redis: port ${env.REDIS_PORT} (REDIS_PORT) is already in use`);
      expect(up.seconds).toBeLessThan(10);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it('fails within a bounded time, naming the server and its log, when a server dies during start-up', async () => {
    // Not a number: Orthanc cannot parse its configuration and exits.
    const broken = { ...env, ORTHANC_HTTP_PORT: String(await freePort()), ORTHANC_DICOM_PORT: String(await freePort()), ORTHANC_STABLE_AGE: 'soon' };
    const up = await stack(['up', 'orthanc'], broken);
    expect(up.code).toBe(1);
    expect(up.output).toContain(`orthanc exited during start-up; read ${state}/logs/orthanc.log`);
    expect(up.seconds).toBeLessThan(60);
    expect(existsSync(join(state, 'logs/orthanc.log'))).toBe(true);
  });

  it('stops a server that is not healthy in time and names it and its log (Kafka given 1 s)', async () => {
    const slow = { ...env, KAFKA_PORT: String(await freePort()), KAFKA_CONTROLLER_PORT: String(await freePort()), STACK_READY_TIMEOUT: '1' };
    const up = await stack(['up', 'kafka'], slow);
    expect(up.code).toBe(1);
    expect(up.output).toContain(`kafka did not become healthy within 1s; stopped it; read ${state}/logs/kafka.log`);
    expect(existsSync(join(state, 'run/kafka.pid'))).toBe(false);
    expect((await stack(['check', 'kafka'], slow)).code).toBe(1);
  });

  it('rejects an unknown component', async () => {
    const up = await stack(['up', 'postgres'], env);
    expect(up.code).toBe(1);
    expect(up.output).toContain("unknown component 'postgres' (known: redis orthanc kafka");
  });
});

describe('stack.sh on the shared stack', () => {
  it('reports all components healthy, and a second up changes nothing', async () => {
    const check = await stack(['check']);
    if (check.code !== 0) throw new Error('the local stack is not up: run `npm run stack:up` before the integration tests');
    const pidsBefore = await Promise.all(['redis', 'orthanc', 'kafka'].map((c) => readFile(join(REPO_ROOT, '.lungflow/run', `${c}.pid`), 'utf8')));
    const up = await stack(['up']);
    expect(up.code).toBe(0);
    for (const component of ['redis', 'orthanc', 'kafka']) expect(up.output).toContain(`${component}: already running`);
    expect(up.output).not.toContain('starting');
    const pidsAfter = await Promise.all(['redis', 'orthanc', 'kafka'].map((c) => readFile(join(REPO_ROOT, '.lungflow/run', `${c}.pid`), 'utf8')));
    expect(pidsAfter).toEqual(pidsBefore);
  });
});
