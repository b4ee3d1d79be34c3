import type { ResolvedStep, StepRun, StepStatus } from '../../model/pipeline';
import type { Backends } from './backends';
import type { StepExecutor } from './executor';
import type { RunRecorder } from './recorder';
import type { Held, ResourcePool } from '../../compute';
import { cancelledWhy, FINISHED_OK, type ActiveRun } from './runState';

/**
 * Decides when each step of a run runs: as soon as the steps it needs have finished well (it is
 * skipped after one that did not, cancelled when the run is), all others at once, as far as the
 * resource pool lets local steps execute together (a backend that schedules, the local
 * launcher, holds them itself).
 */
export class StepScheduler {
  constructor(
    private readonly pool: ResourcePool,
    private readonly backends: Backends,
    private readonly recorder: RunRecorder,
    private readonly executor: StepExecutor,
  ) {}

  /** Runs the steps of a run (in dependency order); answers their final statuses. */
  run(active: ActiveRun, steps: ResolvedStep[], force: boolean): Promise<StepStatus[]> {
    const { run } = active;
    const outcomes = new Map<string, Promise<StepStatus>>();
    for (const step of steps) {
      const record = run.steps[active.stepIndex.get(step.name) as number] as StepRun;
      outcomes.set(
        step.name,
        this.driveStep(active, step, record, outcomes, force).catch((error: unknown) => {
          this.recorder.setStep(active, record, {
            status: 'failed',
            reason: `Sextant failed to run the step: ${(error as Error).message}`,
            endTime: Date.now(),
          });
          return 'failed' as StepStatus;
        }),
      );
    }
    return Promise.all(outcomes.values());
  }

  /** Waits for a step's upstream steps, then has it executed within its resources. */
  private async driveStep(
    active: ActiveRun,
    step: ResolvedStep,
    record: StepRun,
    outcomes: Map<string, Promise<StepStatus>>,
    force: boolean,
  ): Promise<StepStatus> {
    const { signal } = active.controller;
    const upstream =
      step.upstream.length === 0
        ? []
        : await Promise.all(
            step.upstream
              .filter((u) => outcomes.has(u))
              .map(async (u) => ({
                step: u,
                status: await (outcomes.get(u) as Promise<StepStatus>),
              })),
          );
    if (signal.aborted) {
      this.recorder.setStep(active, record, {
        status: 'cancelled',
        reason: cancelledWhy(signal),
      });
      return 'cancelled';
    }
    const blocked = upstream.find((u) => !FINISHED_OK.includes(u.status));
    if (blocked) {
      this.recorder.setStep(active, record, {
        status: 'skipped',
        reason: `upstream step '${blocked.step}' ${blocked.status === 'skipped' ? 'was skipped' : blocked.status}`,
      });
      return 'skipped';
    }
    // A backend that schedules (the local launcher) holds the step until its resources are
    // free; for the others, local steps wait in the runner's pool.
    const pooled =
      this.backends.targetOf(active.pipeline, step).kind === 'local' &&
      !this.backends.backendFor(active.pipeline, step).schedules;
    let held: Held | undefined;
    // Only an execution holds the step's resources: hashing its dependencies and restoring it
    // from the cache are file work that many steps can do at once, and so is recording an
    // execution that has ended, so the next step's process need not wait for it.
    const acquire = async (): Promise<boolean> => {
      if (!pooled) return true;
      try {
        held = await this.pool.acquire(step.resources, signal);
        return true;
      } catch {
        return false;
      }
    };
    const release = (): void => {
      const free = held;
      held = undefined;
      free?.release();
    };
    try {
      return await this.executor.execute(active, step, record, force, acquire, release);
    } finally {
      release();
    }
  }
}
