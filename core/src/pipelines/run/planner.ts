import type { ResolvedPipeline, ResolvedStep } from '../../model/pipeline';
import type { PlannedStep, StartOptions } from '../api';
import type { CacheEntry, ContentCache } from './cache';
import { insideRoot } from '../../compute';
import { selectSteps } from './plan';
import { cacheable } from './runState';
import type { StepKeys } from './stepKeys';

/** Refuses paths of a step that leave the workspace, before anything runs. */
export function checkStepPaths(pipeline: ResolvedPipeline, step: ResolvedStep): void {
  insideRoot(pipeline.root, step.wd, `working directory of step '${step.name}'`);
  for (const dep of step.deps) insideRoot(pipeline.root, dep, `dependency of step '${step.name}'`);
  for (const out of [...step.outputs, ...step.metrics, ...step.artifacts]) {
    insideRoot(pipeline.root, out, `output of step '${step.name}'`);
  }
  if (step.environment.requirements) {
    insideRoot(pipeline.root, step.environment.requirements, `requirements of step '${step.name}'`);
  }
}

/**
 * What a run would do, step by step: run, or restore from the cache (an unchanged step whose
 * upstream steps are restored too, unless forced).
 */
export class RunPlanner {
  constructor(
    private readonly keys: StepKeys,
    private readonly cache: ContentCache,
  ) {}

  /** What would run for a resolved pipeline. */
  async plan(pipeline: ResolvedPipeline, options: StartOptions = {}): Promise<PlannedStep[]> {
    const steps = selectSteps(pipeline, options.step);
    const planned = new Map<string, { action: PlannedStep['action']; entry?: CacheEntry }>();
    const known = new Map<string, string>();
    for (const step of steps) {
      let action: PlannedStep['action'] = 'run';
      let entry: CacheEntry | undefined;
      const upstreamRuns = step.upstream.some((u) => planned.get(u)?.action === 'run');
      if (!options.force && !upstreamRuns) {
        const key = await this.keys.keyOf(pipeline, step, known);
        entry = key === undefined || !cacheable(step) ? undefined : await this.cache.lookup(key);
        if (entry) action = 'cached';
      }
      if (entry) for (const o of entry.outputs) known.set(o.path, o.digest);
      planned.set(step.name, { action, ...(entry ? { entry } : {}) });
    }
    return steps.map((s) => ({ step: s.name, action: planned.get(s.name)?.action ?? 'run' }));
  }
}
