import { localBackend, rayBackendClass } from '../../compute';
import { invalid } from '../../model/errors';
import type { ComputeTarget, ResolvedPipeline, ResolvedStep } from '../../model/pipeline';
import type { ComputeBackend } from '../../compute';
import type { Capacity } from '../../compute';

/** What {@link Backends} chooses among. */
export interface BackendsOptions {
  /** The store folder, which a Ray backend leaves out of the workspace it uploads. */
  storeDir: string;
  /** What local steps may use at once (the local launcher's capacity). */
  capacity: Capacity;
  /** SIGTERM-to-SIGKILL grace of local steps, in ms. */
  killGraceMs?: number;
  /** The backend for a step's compute target, instead of the choice below. */
  backendFor?: (pipeline: ResolvedPipeline, step: ResolvedStep) => ComputeBackend;
}

/**
 * The compute backend of each step: its compute target's (local processes, or a Ray cluster
 * by address, one backend per cluster), made on first use and let go on {@link close}.
 */
export class Backends {
  /** Local processes, through Sextant's launcher. */
  readonly local: ComputeBackend;
  private readonly ray = new Map<string, ComputeBackend>();

  constructor(private readonly options: BackendsOptions) {
    this.local = localBackend(options.killGraceMs, options.capacity);
  }

  /** The compute target a step names (`local` when it names none). */
  targetOf(pipeline: ResolvedPipeline, step: ResolvedStep): Omit<ComputeTarget, 'name'> {
    if (step.compute === 'local' || step.compute === '') {
      return pipeline.compute.find((c) => c.name === 'local') ?? { kind: 'local' };
    }
    const target = pipeline.compute.find((c) => c.name === step.compute);
    if (!target) {
      throw invalid(
        `step '${step.name}' names compute target '${step.compute}', which the pipeline does not declare under 'compute:'`,
      );
    }
    return target;
  }

  /** The backend that runs a step. */
  backendFor(pipeline: ResolvedPipeline, step: ResolvedStep): ComputeBackend {
    if (this.options.backendFor) return this.options.backendFor(pipeline, step);
    const target = this.targetOf(pipeline, step);
    if (target.kind === 'local') return this.local;
    if (!target.address) throw invalid(`compute target '${step.compute}' has no address`);
    const options = {
      ...(target.workspace ? { workspace: target.workspace } : {}),
      ...(target.tracking ? { tracking: target.tracking } : {}),
    };
    const key = JSON.stringify([target.address, options]);
    let backend = this.ray.get(key);
    if (!backend) {
      // Loaded on first use: a pipeline without a Ray step never pays for the Ray client.
      const RayBackend = rayBackendClass();
      backend = new RayBackend(target.address, {
        ...options,
        leaveOut: [this.options.storeDir],
      });
      this.ray.set(key, backend);
    }
    return backend;
  }

  /** Lets every backend made go (the local launcher exits). */
  async close(): Promise<void> {
    await Promise.allSettled([this.local, ...this.ray.values()].map((b) => b.close?.()));
  }
}
