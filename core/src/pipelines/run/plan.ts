import type { ResolvedPipeline, ResolvedStep } from '../../model/pipeline';
import { invalid } from '../../model/errors';

/**
 * The steps a run covers, in the pipeline's topological order: all of them, or `only` and
 * everything it (transitively) needs.
 */
export function selectSteps(pipeline: ResolvedPipeline, only?: string): ResolvedStep[] {
  if (only === undefined) return pipeline.steps;
  const byName = new Map(pipeline.steps.map((s) => [s.name, s]));
  if (!byName.has(only)) {
    throw invalid(
      `pipeline '${pipeline.name}' has no step '${only}'; its steps are: ${pipeline.steps
        .map((s) => s.name)
        .join(', ')}`,
    );
  }
  const wanted = new Set<string>();
  const visit = (name: string): void => {
    if (wanted.has(name)) return;
    wanted.add(name);
    for (const up of byName.get(name)?.upstream ?? []) visit(up);
  };
  visit(only);
  return pipeline.steps.filter((s) => wanted.has(s.name));
}

/** Steps downstream of `name` (not including it), transitively. */
export function downstreamOf(pipeline: ResolvedPipeline, name: string): Set<string> {
  const found = new Set<string>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const step of pipeline.steps) {
      if (found.has(step.name)) continue;
      if (step.upstream.some((u) => u === name || found.has(u))) {
        found.add(step.name);
        grew = true;
      }
    }
  }
  return found;
}

/**
 * Which step writes each output path; a dependency equal to, or inside, such a path comes from
 * that step.
 */
export function producerOf(pipeline: ResolvedPipeline, dep: string): ResolvedStep | undefined {
  const clean = dep.replace(/\/+$/, '');
  return pipeline.steps.find((s) =>
    [...s.outputs, ...s.metrics].some((o) => {
      const out = o.replace(/\/+$/, '');
      return clean === out || clean.startsWith(`${out}/`);
    }),
  );
}
