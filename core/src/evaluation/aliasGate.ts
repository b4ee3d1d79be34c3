import type { MetricThreshold } from '../model/evaluation';
import { SextantError } from '../model/errors';
import type { RegistryService } from '../registry';
import type { TrackingService } from '../tracking';
import type { LocalArtifactStore } from '../artifacts';
import { listEvaluations } from './history';

/** The version holding an alias, and its latest evaluation on the same eval set and bytes. */
export interface AliasHolder {
  version: string;
  /** That evaluation's run and metrics; absent when the version was never evaluated on them. */
  evaluation?: { runId: string; metrics: Record<string, number> };
}

/**
 * The version of `name` holding `alias` (undefined when no version holds it), with its latest
 * finished evaluation on eval set `evalSet` whose dataset had the SHA-256 `sha256`.
 */
export async function aliasHolder(
  services: { tracking: TrackingService; artifacts: LocalArtifactStore; registry: RegistryService },
  name: string,
  alias: string,
  evalSet: string,
  sha256: string,
): Promise<AliasHolder | undefined> {
  let version: string;
  try {
    version = (await services.registry.getVersionByAlias(name, alias)).version;
  } catch (error) {
    if (error instanceof SextantError && error.code === 'RESOURCE_DOES_NOT_EXIST') return undefined;
    throw error;
  }
  const evaluations = await listEvaluations(services.tracking, services.artifacts, {
    name,
    version,
    evalSet,
  });
  const latest = evaluations.filter((e) => e.datasetSha256 === sha256).pop();
  return {
    version,
    ...(latest ? { evaluation: { runId: latest.runId, metrics: latest.metrics } } : {}),
  };
}

/** The thresholds left when there is no baseline: absolute bounds only (change bounds dropped). */
export function absoluteOnly(thresholds: readonly MetricThreshold[]): MetricThreshold[] {
  return thresholds
    .filter((t) => t.threshold !== undefined)
    .map(({ metric, threshold, greaterIsBetter }) => ({ metric, threshold, greaterIsBetter }));
}
