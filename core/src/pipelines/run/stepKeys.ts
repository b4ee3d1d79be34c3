import type { ResolvedPipeline, ResolvedStep } from '../../model/pipeline';
import { insideRoot } from '../../compute';
import { stepCacheKey } from './cacheKey';
import type { FileHasher, PathHash } from './fileHash';

/** A step's dependencies as hashed: digests for its cache key, hashes for its lineage. */
export interface HashedDeps {
  deps: Record<string, string>;
  hashes: Map<string, PathHash>;
}

/** A step's cache key and dependency hashes, from the files on disk. */
export class StepKeys {
  constructor(private readonly hasher: FileHasher) {}

  /**
   * A step's cache key from the dependency contents on disk (or `known` digests of outputs a
   * planned step would restore); undefined when a dependency is missing.
   */
  async keyOf(
    pipeline: ResolvedPipeline,
    step: ResolvedStep,
    known: Map<string, string>,
  ): Promise<string | undefined> {
    const deps: Record<string, string> = {};
    for (const dep of step.deps) {
      const digest = known.get(dep) ?? (await this.digestOf(pipeline.root, dep));
      if (digest === undefined) return undefined;
      deps[dep] = digest;
    }
    let requirements: string | undefined;
    if (step.environment.requirements) {
      requirements = await this.digestOf(pipeline.root, step.environment.requirements);
      if (requirements === undefined) return undefined;
    }
    return stepCacheKey(step, { deps, ...(requirements ? { requirements } : {}) });
  }

  /** The digest of a path of the workspace; undefined when it is missing. */
  async digestOf(root: string, relative: string): Promise<string | undefined> {
    const hash = await this.hasher.hash(insideRoot(root, relative, 'path'));
    return hash.kind === 'missing' ? undefined : hash.digest;
  }

  /** Hashes the step's dependencies; names the first missing one. */
  async hashDeps(
    pipeline: ResolvedPipeline,
    step: ResolvedStep,
  ): Promise<HashedDeps | { missing: string }> {
    const deps: Record<string, string> = {};
    const hashes = new Map<string, PathHash>();
    for (const dep of step.deps) {
      const hash = await this.hasher.hash(insideRoot(pipeline.root, dep, 'dependency'));
      if (hash.kind === 'missing') return { missing: dep };
      deps[dep] = hash.digest;
      hashes.set(dep, hash);
    }
    return { deps, hashes };
  }
}
