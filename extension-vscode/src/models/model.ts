/**
 * What the Models tree shows and what its commands act on, as plain data: registered models and
 * their versions (aliases as badges, stage, status, key metric, deployable or not), the versions
 * a command targets, and the choices its quick picks offer. `tree.ts` and `commands.ts` only call
 * VS Code.
 */
import type {
  ModelVersionSummary,
  RegisteredModelSummary,
  RunModelArtifact,
  VersionRef,
} from '@sextant/language-server/protocol';
import { shortNumber } from '@sextant/media/runs/nesting';
import { STATE_ICONS, type ItemModel } from '../items';

/** A node of the Models tree. */
export type ModelsNode =
  | { kind: 'model'; model: RegisteredModelSummary }
  | { kind: 'version'; version: ModelVersionSummary }
  | { kind: 'more'; pageToken: string }
  | { kind: 'message'; text: string; tooltip?: string };

/** A version node. */
export type VersionNode = ModelsNode & { kind: 'version' };

/** True for a version node. */
export function isVersionNode(node: unknown): node is VersionNode {
  return (node as ModelsNode | undefined)?.kind === 'version';
}

/** True for a model node. */
export function isModelNode(node: unknown): node is ModelsNode & { kind: 'model' } {
  return (node as ModelsNode | undefined)?.kind === 'model';
}

/** `@champion @prod`. */
export const aliasBadges = (aliases: readonly string[]): string =>
  aliases.map((a) => `@${a}`).join(' ');

/** A registered model's tree item: its name, its aliases and newest version. */
export function modelItem(model: RegisteredModelSummary): ItemModel {
  const aliases = model.aliases.map((a) => `@${a.alias}→v${a.version}`).join(' ');
  const latest = model.latestVersion ? `v${model.latestVersion}` : 'no versions';
  return {
    id: `model:${model.name}`,
    label: model.name,
    description: [latest, aliases].filter(Boolean).join(' · '),
    tooltip: [
      model.name,
      model.description,
      `Updated ${new Date(model.lastUpdatedTimestamp).toLocaleString()}`,
      ...model.tags.map((t) => `${t.key}: ${t.value}`),
    ]
      .filter(Boolean)
      .join('\n'),
    icon: { id: 'package' },
    contextValue: 'model',
    collapsible: 'collapsed',
  };
}

/** The icon of a version: failed registration, archived, deployable or not. */
function versionIcon(v: ModelVersionSummary): ItemModel['icon'] {
  if (v.status === 'FAILED_REGISTRATION') return STATE_ICONS.failed;
  if (v.status === 'PENDING_REGISTRATION') return STATE_ICONS.running;
  if (v.stage === 'Archived') return { id: 'archive', color: 'disabledForeground' };
  return v.deployable
    ? { id: 'rocket', color: 'testing.iconPassed' }
    : { id: 'warning', color: 'charts.orange' };
}

/** A version's tree item: `Version 3`, then aliases, stage and key metric. */
export function versionItem(v: ModelVersionSummary): ItemModel {
  const stage = v.stage === 'None' ? '' : v.stage;
  const metric = v.keyMetric ? `${v.keyMetric.key} ${shortNumber(v.keyMetric.value)}` : '';
  const deployable = v.deployable
    ? 'Deployable here.'
    : `Not deployable: ${v.reasons.join(' ') || 'unknown reason'}`;
  return {
    id: `version:${v.name}/${v.version}`,
    label: `Version ${v.version}`,
    description: [aliasBadges(v.aliases), stage, metric].filter(Boolean).join(' · '),
    tooltip: [
      `${v.name} version ${v.version}${v.description ? ` — ${v.description}` : ''}`,
      `Source: ${v.source}`,
      v.keyMetric
        ? `${v.keyMetric.key} = ${v.keyMetric.value} on ${v.keyMetric.evalSet}`
        : 'Not evaluated',
      `Status: ${v.status}${v.statusMessage ? ` (${v.statusMessage})` : ''}`,
      deployable,
    ].join('\n'),
    icon: versionIcon(v),
    contextValue: `version.${v.stage === 'Archived' ? 'archived' : 'active'}${v.aliases.length > 0 ? '.aliased' : ''}`,
    collapsible: 'none',
  };
}

/** The versions a command acts on: the ones it was invoked on, else the tree's selection. */
export function targetVersions(
  node: unknown,
  selected: unknown,
  selection: readonly ModelsNode[],
): ModelVersionSummary[] {
  const picked = Array.isArray(selected) && selected.some(isVersionNode) ? selected : undefined;
  const nodes = picked ?? (isVersionNode(node) ? [node] : selection);
  const versions = nodes.filter(isVersionNode).map((n) => n.version);
  return [...new Map(versions.map((v) => [`${v.name}\u0000${v.version}`, v])).values()];
}

/** A version as a reference. */
export const refOf = (v: Pick<ModelVersionSummary, 'name' | 'version'>): VersionRef => ({
  name: v.name,
  version: v.version,
});

/** Why an alias name is refused (MLflow's rules), or undefined when it is fine. */
export function aliasProblem(alias: string): string | undefined {
  if (alias.trim() === '') return 'Give an alias, e.g. champion.';
  if (!/^[A-Za-z0-9_-]{1,255}$/.test(alias)) {
    return 'Use letters, digits, _ and - only (at most 255).';
  }
  if (/^v\d+$/i.test(alias) || alias.toLowerCase() === 'latest') {
    return `'${alias}' is reserved: it would read as a version.`;
  }
  return undefined;
}

/** Why a registered model name is refused, or undefined when it is fine. */
export function modelNameProblem(name: string): string | undefined {
  if (name.trim() === '') return 'Give the registered model a name, e.g. churn.';
  if (name.length > 256) return 'At most 256 characters.';
  if (/[/:%]/.test(name) || name.includes('..')) return "Leave out '/', ':', '%' and '..'.";
  return undefined;
}

/** A registered model name suggested for a run's model: the run name's leading word, or the artifact's. */
export function suggestModelName(runName: string, artifact: RunModelArtifact): string {
  const base = artifact.name.split('/').pop() || runName;
  const name = base === 'model' ? runName.split(/[\s=]/)[0] || base : base;
  return name.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '') || 'model';
}

/** The eval set name of a data file: its base name. */
export function evalSetName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}

/** Columns of the header line of a CSV file (quoted names unquoted). */
export function csvColumns(headerLine: string): string[] {
  const columns: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < headerLine.length; i++) {
    const ch = headerLine[i]!;
    if (quoted) {
      if (ch === '"' && headerLine[i + 1] === '"') {
        current += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else current += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      columns.push(current);
      current = '';
    } else current += ch;
  }
  columns.push(current);
  return columns.map((c) => c.trim().replace(/\r$/, '')).filter((c) => c !== '');
}

/** The target column to suggest: `label`, `target`, `y` or `class`, else the last column. */
export function suggestTarget(columns: readonly string[]): string | undefined {
  for (const name of ['label', 'target', 'y', 'class', 'outcome']) {
    const found = columns.find((c) => c.toLowerCase() === name);
    if (found) return found;
  }
  return columns.at(-1);
}

/** How far an evaluation of `total` versions is, in percent, at version `index` (from 0). */
export function evaluationPercent(
  index: number,
  total: number,
  fraction: number | undefined,
): number {
  if (total <= 0) return 0;
  const within = fraction === undefined ? 0 : Math.min(1, Math.max(0, fraction));
  return Math.round(((index + within) / total) * 100);
}
