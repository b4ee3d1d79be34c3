/**
 * What the Deployments tree shows and what its commands act on, as plain data: deployments with
 * their status, split and live figures, their variants, the model URIs a Deploy action offers for
 * a version or a model, and the checks of the Deploy form. `tree.ts` and `commands.ts` only call
 * VS Code.
 */
import type {
  ModelVersionSummary,
  RegisteredModelSummary,
  ServingDeploymentSummary,
  ServingVariant,
} from '@sextant/language-server/protocol';
import {
  deploymentDescription,
  deploymentTooltip,
  trafficShares,
  variantDescription,
} from '@sextant/media/deployments';
import type { ItemModel } from '../items';

/** A node of the Deployments tree. */
export type DeploymentsNode =
  | {
      kind: 'deployment';
      deployment: ServingDeploymentSummary;
      /** Whether it was started with an online experiment (it has a report). */
      experiment?: boolean;
    }
  | { kind: 'variant'; deployment: string; variant: ServingVariant; share?: number }
  | { kind: 'message'; text: string; tooltip?: string };

/** A deployment node. */
export type DeploymentNode = DeploymentsNode & { kind: 'deployment' };

/** True for a deployment node. */
export function isDeploymentNode(node: unknown): node is DeploymentNode {
  return (node as DeploymentsNode | undefined)?.kind === 'deployment';
}

/** The icon of a deployment by its status. */
function deploymentIcon(d: ServingDeploymentSummary): ItemModel['icon'] {
  if (d.status === 'running') {
    return d.live && d.live.errorRate > 0
      ? { id: 'warning', color: 'charts.orange' }
      : { id: 'vm-running', color: 'testing.iconPassed' };
  }
  if (d.status === 'declared') return { id: 'file-code' };
  return { id: 'vm-outline', color: 'disabledForeground' };
}

/**
 * A deployment's tree item; its context value names its status (`deployment.running`), then
 * `.canary` with two variants taking traffic and `.experiment` with an online experiment.
 */
export function deploymentItem(d: ServingDeploymentSummary, experiment = false): ItemModel {
  const promoted =
    (d.variants.filter((v) => !v.shadow).length > 1 ? '.canary' : '') +
    (experiment ? '.experiment' : '');
  return {
    id: `deployment:${d.name}`,
    label: d.name,
    description: deploymentDescription(d),
    tooltip: deploymentTooltip(d),
    icon: deploymentIcon(d),
    contextValue: `deployment.${d.status}${promoted}`,
    collapsible: d.variants.length > 0 ? 'collapsed' : 'none',
  };
}

/** A variant's tree item: its name, version, share and replicas. */
export function variantItem(deployment: string, v: ServingVariant, share?: number): ItemModel {
  return {
    id: `deployment:${deployment}/${v.name}`,
    label: v.name,
    description: `${v.uri} · ${variantDescription(v, share)}`,
    tooltip: `${v.model} version ${v.version} from ${v.uri}`,
    icon: { id: v.shadow ? 'mirror' : 'symbol-constructor' },
    contextValue: v.shadow ? 'deploymentVariant.shadow' : 'deploymentVariant',
    collapsible: 'none',
  };
}

/** The variant nodes of a deployment, with their share of the traffic. */
export function variantNodes(d: ServingDeploymentSummary): DeploymentsNode[] {
  const shares = trafficShares(d.variants);
  return d.variants.map((variant) => ({
    kind: 'variant',
    deployment: d.name,
    variant,
    share: shares[variant.name],
  }));
}

/** A model URI a Deploy action offers, with words for a quick pick. */
export interface DeployTarget {
  uri: string;
  label: string;
  description: string;
}

/**
 * What a version or a model can be deployed as: through each alias pointing at it (what promote
 * and roll back move), then the fixed version.
 */
export function deployTargets(
  model: string,
  at: { version?: ModelVersionSummary; model?: RegisteredModelSummary },
): DeployTarget[] {
  if (at.version) {
    return [
      ...at.version.aliases.map((alias) => ({
        uri: `models:/${model}@${alias}`,
        label: `@${alias}`,
        description: `follows the alias (now version ${at.version!.version}); promote moves it`,
      })),
      {
        uri: `models:/${model}/${at.version.version}`,
        label: `version ${at.version.version}`,
        description: 'this version, fixed',
      },
    ];
  }
  const aliases = at.model?.aliases ?? [];
  return [
    ...aliases.map((a) => ({
      uri: `models:/${model}@${a.alias}`,
      label: `@${a.alias}`,
      description: `version ${a.version}`,
    })),
    ...(at.model?.latestVersion
      ? [
          {
            uri: `models:/${model}/${at.model.latestVersion}`,
            label: `version ${at.model.latestVersion}`,
            description: 'the newest version, fixed',
          },
        ]
      : []),
  ];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Why a deployment name is not one, or undefined. */
export function deploymentNameProblem(name: string, taken: readonly string[]): string | undefined {
  const trimmed = name.trim();
  if (!NAME.test(trimmed)) {
    return "Letters, digits, '.', '_' and '-' (at most 128), starting with a letter or digit.";
  }
  if (taken.includes(trimmed)) {
    return `A deployment named '${trimmed}' exists: its model would be replaced.`;
  }
  return undefined;
}

/** Why a replica count is not one, or undefined. */
export function replicasProblem(text: string): string | undefined {
  const n = Number(text.trim());
  return /^\d+$/.test(text.trim()) && n >= 1 && n <= 256
    ? undefined
    : 'A whole number from 1 to 256.';
}

/** `champion=90 challenger=10` to weights; a message when it is not that. */
export function parseWeights(
  text: string,
  variants: readonly string[],
): Record<string, number> | string {
  const weights: Record<string, number> = {};
  const words = text
    .trim()
    .split(/[\s,]+/)
    .filter(Boolean);
  if (words.length === 0) return 'Give variant=weight for at least one variant.';
  for (const word of words) {
    const match = /^([A-Za-z0-9_-]+)=(\d+(?:\.\d+)?)$/.exec(word);
    if (!match) return `'${word}' is not variant=weight (e.g. champion=90 challenger=10).`;
    if (!variants.includes(match[1]!)) {
      return `No variant '${match[1]}': the deployment has ${variants.join(', ')}.`;
    }
    weights[match[1]!] = Number(match[2]);
  }
  return weights;
}

/** The words of a version's deployability check, shown before the Deploy form. */
export function deployabilityText(version: ModelVersionSummary | undefined): {
  ok: boolean;
  text: string;
} {
  if (!version) return { ok: true, text: '' };
  return version.deployable
    ? { ok: true, text: `${version.name} version ${version.version} is deployable here.` }
    : {
        ok: false,
        text: `${version.name} version ${version.version} may not deploy: ${version.reasons.join(' ')}`,
      };
}
