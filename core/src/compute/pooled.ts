import type { ComputeBackend, StepLaunch, StepOutcome } from './contracts';
import { gpuVariables, ResourcePool, type Held } from './resources';
import { abortReason } from './local';

/**
 * A backend that starts steps at once, made to hold each step until the resources it declares
 * are free in a {@link ResourcePool} (first come, first served): the local scheduling of Node's
 * own spawn, which the step launcher otherwise does itself. A step that declares GPUs gets the
 * ones it holds in `CUDA_VISIBLE_DEVICES`.
 */
export class PooledBackend implements ComputeBackend {
  readonly schedules = true;

  constructor(
    private readonly inner: ComputeBackend,
    private readonly pool: ResourcePool,
  ) {}

  get kind(): ComputeBackend['kind'] {
    return this.inner.kind;
  }

  async execute(launch: StepLaunch): Promise<StepOutcome> {
    let held: Held;
    try {
      held = await this.pool.acquire(launch.step.resources, launch.signal);
    } catch {
      return { exitCode: null, reason: abortReason(launch.signal) };
    }
    try {
      launch.onStart?.(undefined, held.gpus.length > 0 ? { gpus: held.gpus } : undefined);
      const vars = { ...launch.env.vars, ...gpuVariables(held.gpus) };
      return await this.inner.execute({ ...launch, env: { ...launch.env, vars } });
    } finally {
      held.release();
    }
  }
}
