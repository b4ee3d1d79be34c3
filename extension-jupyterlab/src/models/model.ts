/**
 * What the Models section of the Sextant sidebar shows and checks, as plain functions of the
 * protocol's data: the text beside a model or a version, which versions a search keeps, the
 * checks of the alias, register and evaluate dialogs, and which versions a comparison takes.
 */
import type {
  EvaluationStartParams,
  EvaluationTask,
  ModelVersionSummary,
  RegisteredModelSummary,
  VersionRef,
} from '@sextant/language-server/protocol';
import { shortNumber } from '@sextant/media/runs/nesting';

/** The most versions one comparison or evaluation takes (`sextant/registry/compare`'s limit). */
export const MAX_VERSIONS = 10;

/** The text beside a registered model: how many versions, the latest, its aliases. */
export function modelDescription(model: RegisteredModelSummary, versions?: number): string {
  const parts = [
    versions !== undefined ? `${versions} version${versions === 1 ? '' : 's'}` : undefined,
    model.latestVersion ? `latest v${model.latestVersion}` : 'no versions',
    ...model.aliases.map((a) => `@${a.alias}→v${a.version}`),
  ];
  return parts.filter(Boolean).join(' · ');
}

/** The text beside a version: stage, status (when not ready), key metric, deployability. */
export function versionDescription(version: ModelVersionSummary): string {
  return [
    version.stage !== 'None' ? version.stage : undefined,
    version.status !== 'READY' ? statusText(version.status) : undefined,
    version.keyMetric
      ? `${version.keyMetric.key}=${shortNumber(version.keyMetric.value)}`
      : 'not evaluated',
    version.deployable ? 'deployable' : 'not deployable',
  ]
    .filter(Boolean)
    .join(' · ');
}

/** A version's status in words. */
export function statusText(status: ModelVersionSummary['status']): string {
  switch (status) {
    case 'READY':
      return 'ready';
    case 'PENDING_REGISTRATION':
      return 'registering';
    case 'FAILED_REGISTRATION':
      return 'registration failed';
    default:
      return String(status).toLowerCase();
  }
}

/** The version's tooltip: everything the row cannot show. */
export function versionTooltip(version: ModelVersionSummary): string {
  return [
    `${version.name} v${version.version}`,
    `Stage: ${version.stage} · Status: ${statusText(version.status)}`,
    version.statusMessage ? `Why: ${version.statusMessage}` : undefined,
    version.aliases.length
      ? `Aliases: ${version.aliases.map((a) => `@${a}`).join(' ')}`
      : undefined,
    `Source: ${version.source}`,
    version.runId ? `Run: ${version.runId}` : undefined,
    `Registered: ${new Date(version.creationTimestamp).toLocaleString()}`,
    version.keyMetric
      ? `${version.keyMetric.key}: ${shortNumber(version.keyMetric.value)} on ${version.keyMetric.evalSet}`
      : 'Not evaluated yet',
    version.deployable
      ? 'Deployable here'
      : `Not deployable: ${version.reasons.join('; ') || 'unknown'}`,
    version.description || undefined,
  ]
    .filter(Boolean)
    .join('\n');
}

/** The search text of the Models section, read: a name part, `@alias` parts, `v<n>` versions. */
export interface ModelQuery {
  /** The first other word: the server filters model names by it (any case). */
  name?: string;
  aliases: string[];
  versions: string[];
}

/** Reads the search text: `churn @champion v3` is a name part, an alias and a version. */
export function parseQuery(text: string): ModelQuery {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const aliases = words
    .filter((w) => w.startsWith('@') && w.length > 1)
    .map((w) => w.slice(1).toLowerCase());
  const versions = words.filter((w) => /^v\d+$/i.test(w)).map((w) => w.slice(1));
  const name = words.find((w) => !w.startsWith('@') && !/^v\d+$/i.test(w));
  return { ...(name ? { name } : {}), aliases, versions };
}

/** Whether a model stays listed: its name holds the name part and it has every alias asked for. */
export function modelMatches(model: RegisteredModelSummary, query: ModelQuery): boolean {
  if (query.name && !model.name.toLowerCase().includes(query.name.toLowerCase())) return false;
  const aliases = model.aliases.map((a) => a.alias.toLowerCase());
  return query.aliases.every((wanted) => aliases.some((a) => a.includes(wanted)));
}

/** Whether a version of a listed model is shown: it holds an alias or is a version asked for. */
export function versionMatches(version: ModelVersionSummary, query: ModelQuery): boolean {
  if (query.aliases.length === 0 && query.versions.length === 0) return true;
  const aliases = version.aliases.map((a) => a.toLowerCase());
  return (
    query.versions.includes(version.version) ||
    query.aliases.some((wanted) => aliases.some((a) => a.includes(wanted)))
  );
}

/**
 * Why `alias` cannot be set (MLflow's rules), or undefined when it can: letters, digits, `_`
 * and `-`, at most 255 characters, neither `latest` nor `v<number>` (those name versions).
 */
export function aliasProblem(alias: string): string | undefined {
  if (!alias) return 'Give the alias a name, e.g. champion.';
  if (alias.length > 255) return 'An alias has at most 255 characters.';
  if (!/^[A-Za-z0-9_-]+$/.test(alias)) return 'An alias holds only letters, digits, _ and -.';
  if (alias.toLowerCase() === 'latest')
    return "'latest' is reserved: it always means the newest version.";
  if (/^v\d+$/i.test(alias)) return `'${alias}' names a version number; choose another alias.`;
  return undefined;
}

/** Why `name` cannot be a registered model's name, or undefined when it can. */
export function modelNameProblem(name: string): string | undefined {
  if (!name.trim()) return 'Give the model a name, e.g. churn-classifier.';
  if (name !== name.trim()) return 'A model name cannot start or end with a space.';
  if (/[/:@]/.test(name))
    return 'A model name cannot hold /, : or @ (they are part of model URIs).';
  if (name.length > 256) return 'A model name has at most 256 characters.';
  return undefined;
}

/** What the Evaluate dialog asks, as typed. */
export interface EvaluateForm {
  data: string;
  target: string;
  task: string;
  evalSet: string;
  sliceColumn: string;
  versions: VersionRef[];
}

/** The evaluation the dialog asks for, or the first problem with it in words. */
export function evaluationRequest(
  form: EvaluateForm,
): { params: EvaluationStartParams } | { problem: string } {
  const data = form.data.trim();
  if (!data) return { problem: 'Give the eval set: a .csv or .parquet file.' };
  if (!/\.(csv|parquet)$/i.test(data)) {
    return { problem: `The eval set must be a .csv or .parquet file, not ${data}.` };
  }
  const target = form.target.trim();
  if (!target) return { problem: 'Give the column that holds the true values.' };
  if (form.task !== 'classifier' && form.task !== 'regressor') {
    return { problem: 'Choose the task: classifier or regressor.' };
  }
  if (form.versions.length === 0) return { problem: 'Tick at least one version to evaluate.' };
  if (form.versions.length > MAX_VERSIONS) {
    return { problem: `Evaluate at most ${MAX_VERSIONS} versions at once.` };
  }
  const evalSet = form.evalSet.trim();
  const slice = form.sliceColumn.trim();
  return {
    params: {
      versions: form.versions,
      data,
      target,
      task: form.task as EvaluationTask,
      ...(evalSet ? { evalSet } : {}),
      ...(slice ? { sliceColumn: slice } : {}),
    },
  };
}

/** A version's key, as selections hold it. */
export const refKey = (ref: VersionRef): string => `${ref.name}\u0000${ref.version}`;

/** The versions to compare, or why they cannot be: 2 to 10 ticked versions. */
export function comparison(selected: readonly VersionRef[]): VersionRef[] | string {
  if (selected.length < 2) return 'Tick two to ten versions to compare them.';
  if (selected.length > MAX_VERSIONS) return `Compare at most ${MAX_VERSIONS} versions at once.`;
  return [...selected];
}

/** A progress line of an evaluation: `v2 (1/2): predicting… 40%`. */
export function progressText(
  version: VersionRef,
  index: number,
  total: number,
  message: string,
  fraction?: number,
): string {
  const share = fraction === undefined ? '' : ` ${Math.round(fraction * 100)}%`;
  return `${version.name} v${version.version} (${index + 1}/${total}): ${message}${share}`;
}

/** The overall fraction done of an evaluation of `total` versions, from one version's fraction. */
export function overallFraction(index: number, total: number, fraction?: number): number {
  if (total <= 0) return 0;
  return Math.min(1, (index + (fraction ?? 0)) / total);
}

/** The label of a comparison: `churn v1, v2` or `churn v1, fraud v4`. */
export function comparisonLabel(versions: readonly VersionRef[]): string {
  const names = new Set(versions.map((v) => v.name));
  if (names.size === 1) {
    return `${versions[0]?.name ?? ''} ${versions.map((v) => `v${v.version}`).join(', ')}`;
  }
  return versions.map((v) => `${v.name} v${v.version}`).join(', ');
}
