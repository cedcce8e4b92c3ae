import type { LungFlowError } from '@lungflow/errors';
import type { KafkaLog } from './createKafka';

/** What the supervisor needs of a runner (ConsumerRunner implements it). */
export interface SupervisedConsumer {
  readonly groupId: string;
  isConsuming(): boolean;
  isAlive(): boolean;
}

/**
 * The consumers of one service, for its health checks and its exit: readiness while every runner is in its group
 * (`consuming`), liveness until one of them could not rejoin after a crash (`alive`), and `fatal`, which resolves
 * with that runner's error so that the service exits non-zero (serveUntilSignal) and a supervisor (Kubernetes,
 * systemd, the soak) starts it again, rather than leaving a live process that consumes nothing (issue 16).
 * Runners join it through their `supervisor` option, so a service with several (report) cannot leave one out.
 */
export class ConsumerSupervisor {
  private readonly runners = new Set<SupervisedConsumer>();
  private fail!: (error: LungFlowError) => void;
  /** Resolves (never rejects) once a consumer has failed for good. */
  readonly fatal: Promise<LungFlowError> = new Promise((resolve) => (this.fail = resolve));

  constructor(private readonly log?: KafkaLog) {}

  register(runner: SupervisedConsumer): void {
    this.runners.add(runner);
  }

  /** Readiness: every registered consumer is in its group and fetching. */
  consuming(): boolean {
    return [...this.runners].every((runner) => runner.isConsuming());
  }

  /** A readiness check that names the groups not (yet) consuming, so /readyz says why it is not ready. */
  readonly readiness = async (): Promise<boolean> => {
    const waiting = [...this.runners].filter((runner) => !runner.isConsuming()).map((runner) => runner.groupId);
    if (waiting.length) throw new Error(`not consuming yet (joining or rejoining its group): ${waiting.join(', ')}`);
    return true;
  };

  /** Liveness: no consumer has given up rejoining. */
  alive(): boolean {
    return [...this.runners].every((runner) => runner.isAlive());
  }

  crashed(runner: SupervisedConsumer, error: LungFlowError): void {
    this.log?.error({ err: error, groupId: runner.groupId, code: error.code }, 'Kafka consumer crashed; recreating it and rejoining the group');
  }

  failed(runner: SupervisedConsumer, error: LungFlowError): void {
    this.log?.error({ err: error, groupId: runner.groupId, code: error.code }, 'Kafka consumer could not rejoin its group; the process exits so that it is restarted');
    this.fail(error);
  }
}
