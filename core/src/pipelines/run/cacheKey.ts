import { createHash } from 'node:crypto';
import type { ResolvedStep } from '../../model/pipeline';

/** Bump when the key's recipe changes, so old cache entries stop matching. */
const KEY_VERSION = 1;

/** What a step's cache key is made of, besides the step itself. */
export interface CacheKeyInputs {
  /** Content digest of each dependency, by workspace-relative path. */
  deps: Record<string, string>;
  /** Content digest of the requirements file, when the step has one. */
  requirements?: string;
}

/** A deterministic JSON text: object keys sorted at every level. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const fields = Object.keys(value as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${fields.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * A step's cache key: SHA-256 of its command, working directory, environment (variables and the
 * requirements file's content), dependency contents, parameter values, and the outputs and
 * metrics it declares. Equal keys mean the step would compute the same thing.
 */
export function stepCacheKey(step: ResolvedStep, inputs: CacheKeyInputs): string {
  const recipe = {
    version: KEY_VERSION,
    run: step.run,
    wd: step.wd,
    vars: step.environment.vars,
    requirements: inputs.requirements ?? null,
    deps: step.deps.map((dep) => [dep, inputs.deps[dep] ?? null]).sort(),
    params: step.params.map((p) => [p.file, p.key, canonicalJson(p.value)]).sort(),
    outputs: [...step.outputs].sort(),
    metrics: [...step.metrics].sort(),
  };
  return createHash('sha256').update(canonicalJson(recipe)).digest('hex');
}
