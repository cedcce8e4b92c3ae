import type { FastifyBaseLogger, FastifyInstance } from 'fastify';

/** What every LungFlow service's `build()` returns: an HTTP app that is not yet listening, and its lifecycle. */
export interface RunnableService {
  app: FastifyInstance;
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Resolves when the service cannot go on by itself (a Kafka consumer that could not rejoin its group): it is
   * stopped and the process exits 1, so that the orchestrator starts a fresh one.
   */
  fatal?: Promise<Error>;
}

export interface ServeOptions {
  host: string;
  port: number;
  logger?: Pick<FastifyBaseLogger, 'info'>;
  /** A stop that takes longer exits non-zero, so the orchestrator restarts rather than waits (Kubernetes' grace is 30 s). */
  stopTimeoutMs?: number;
}

/**
 * Starts the service, listens, and stops it cleanly on SIGTERM or SIGINT (consumers commit what they finished,
 * clients close), exiting 0; a stop that hangs exits 1 after `stopTimeoutMs`. When `service.fatal` resolves it is
 * stopped the same way and exits 1.
 */
export async function serveUntilSignal(service: RunnableService, { host, port, logger = service.app.log, stopTimeoutMs = 15_000 }: ServeOptions): Promise<void> {
  await service.start();
  await service.app.listen({ host, port });

  let stopping = false;
  const stop = async (signal: string, code = 0): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    const timer = setTimeout(() => process.exit(1), stopTimeoutMs).unref();
    try {
      await service.stop();
      process.exit(code);
    } catch (error) {
      console.error(error);
      process.exit(1);
    } finally {
      clearTimeout(timer);
    }
  };
  void service.fatal?.then((error) => {
    console.error(error);
    return stop('fatal', 1);
  });
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

/** Runs a service's `main`, printing a start-up failure (a bad setting, an unreachable dependency) and exiting 1. */
export function runMain(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
