import { LungFlowError } from '@lungflow/errors';
import { ModelRunner, type ModelRunnerOptions } from './ModelRunner';

export type Task = 'cxr' | 'ct';

/**
 * The released models by task, each loaded on first use: a CLI run over PNG radiographs never loads the CT model,
 * and a missing CT release fails only the CT inputs, with the reason.
 */
export class ModelSet {
  private readonly loading = new Map<Task, Promise<ModelRunner>>();

  constructor(
    private readonly dirs: Record<Task, string>,
    /** The same options for every task, or options per task (e.g. metrics labelled by task). */
    private readonly options: ModelRunnerOptions | ((task: Task) => ModelRunnerOptions) = {},
  ) {}

  get(task: Task): Promise<ModelRunner> {
    let runner = this.loading.get(task);
    if (!runner) {
      runner = ModelRunner.load(this.dirs[task], typeof this.options === 'function' ? this.options(task) : this.options).then((loaded) => {
        if (loaded.release.card.task !== task) {
          throw new LungFlowError('MODEL_TASK_MISMATCH', `The model in ${this.dirs[task]} is for ${loaded.release.card.task}, not ${task}`);
        }
        return loaded;
      });
      this.loading.set(task, runner);
    }
    return runner;
  }

  /** The runners loaded so far (without starting any). */
  async loaded(): Promise<ModelRunner[]> {
    const settled = await Promise.allSettled(this.loading.values());
    return settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  }

  async close(): Promise<void> {
    await Promise.all((await this.loaded()).map((runner) => runner.close()));
  }
}
