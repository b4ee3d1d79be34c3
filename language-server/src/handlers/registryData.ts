import {
  deployability,
  type ModelVersion,
  type RegisteredModel,
  type RegistryService,
} from '@sextant/core';
import type { EvaluationSummary, ModelVersionSummary, RegisteredModelSummary } from '../protocol';
import { keyMetricOf } from './evaluationData';

/** A model as the tree lists it. */
export function modelSummary(model: RegisteredModel): RegisteredModelSummary {
  const latest = model.latestVersions
    .map((v) => Number(v.version))
    .reduce((max, v) => Math.max(max, v), 0);
  return {
    name: model.name,
    description: model.description,
    lastUpdatedTimestamp: model.lastUpdatedTimestamp,
    aliases: model.aliases,
    tags: model.tags,
    ...(latest > 0 ? { latestVersion: String(latest) } : {}),
  };
}

/** A version as the tree shows it, with its key metric from `evaluations` (newest first). */
export function versionSummary(
  version: ModelVersion,
  evaluations: readonly EvaluationSummary[] = [],
): ModelVersionSummary {
  const { deployable, reasons } = deployability(version.facts);
  const keyMetric = keyMetricOf(evaluations.filter((e) => e.version === version.version));
  return {
    name: version.name,
    version: version.version,
    stage: version.currentStage,
    status: version.status,
    statusMessage: version.statusMessage,
    aliases: version.aliases,
    creationTimestamp: version.creationTimestamp,
    runId: version.runId,
    source: version.source,
    description: version.description,
    deployable,
    reasons,
    sizeBytes: version.facts?.sizeBytes ?? 0,
    ...(keyMetric ? { keyMetric } : {}),
  };
}

/** A string literal of MLflow's filter grammar. */
export const quoted = (value: string): string =>
  `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** Every version of a model, newest first. */
export async function versionsOf(registry: RegistryService, name: string): Promise<ModelVersion[]> {
  const versions: ModelVersion[] = [];
  let pageToken: string | undefined;
  do {
    const page = await registry.searchVersions({
      filter: `name = ${quoted(name)}`,
      orderBy: ['version_number DESC'],
      maxResults: 10_000,
      pageToken,
    });
    versions.push(...page.items);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return versions;
}
