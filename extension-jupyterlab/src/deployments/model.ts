/**
 * The plain logic behind the Deployments section and its dialogs (no DOM, no JupyterLab): what a
 * Deploy form may send, the model URIs a version can be deployed as, traffic weights typed by a
 * person, and the deployability check in words.
 */
import type {
  ModelDeployFacts,
  ServingDeployParams,
  ServingDeploymentSummary,
} from '@sextant/language-server/protocol';

/** A deployment name the store and sextant.yaml accept (as `validateDeploymentName`). */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** What the Deploy dialog holds. */
export interface DeployForm {
  name: string;
  /** `models:/name/3` or `models:/name@alias`. */
  model: string;
  runtime: string;
  replicas: string;
  /** A deployment to add the model to as its canary (empty: a new deployment). */
  canaryOf: string;
  /** The canary's share in percent, as typed. */
  weight: string;
}

/** The variant a model added to a deployment as its canary becomes. */
export const CANARY_VARIANT = 'challenger';

/** The URIs a version can be deployed as: pinned to its number, or following each alias. */
export function deployUris(name: string, version: string, aliases: readonly string[]): string[] {
  return [`models:/${name}/${version}`, ...aliases.map((a) => `models:/${name}@${a}`)];
}

/** Why a deployment name is refused, or undefined when it is fine. */
export function deploymentNameProblem(name: string): string | undefined {
  if (name === '') return 'Give the deployment a name.';
  return NAME.test(name)
    ? undefined
    : `'${name}' is not a deployment name: use letters, digits, '.', '_' and '-' (at most 128, starting with a letter or digit).`;
}

/** Replicas per variant typed in a form: a whole number 1 to 256, or why not. */
export function replicasOf(text: string): number | string {
  const n = Number(text.trim());
  return Number.isInteger(n) && n >= 1 && n <= 256 && text.trim() !== ''
    ? n
    : `Replicas must be a whole number from 1 to 256, not '${text}'.`;
}

/** The `sextant/serving/deploy` params of a filled form, or what is wrong with it. */
export function deployRequest(
  form: DeployForm,
): { params: ServingDeployParams } | { problem: string } {
  const name = form.name.trim();
  const nameProblem = form.canaryOf ? undefined : deploymentNameProblem(name);
  if (nameProblem) return { problem: nameProblem };
  if (!/^models:\/[^/@]+(@[A-Za-z0-9_-]+|\/[0-9]+)$/.test(form.model)) {
    return {
      problem: `Deploy a registered version (models:/name/N or models:/name@alias), not '${form.model}'.`,
    };
  }
  if (form.canaryOf) {
    const weight = Number(form.weight.trim());
    if (form.weight.trim() === '' || !Number.isInteger(weight) || weight < 0 || weight > 100) {
      return {
        problem: `The canary's share is a whole number from 0 to 100, not '${form.weight}'.`,
      };
    }
    return { params: { name: form.canaryOf, model: form.model, variant: CANARY_VARIANT, weight } };
  }
  if (form.runtime !== 'python' && form.runtime !== 'onnx') {
    return { problem: `The runtime is python or onnx, not '${form.runtime}'.` };
  }
  const replicas = replicasOf(form.replicas);
  if (typeof replicas === 'string') return { problem: replicas };
  return { params: { name, model: form.model, runtime: form.runtime, replicas } };
}

/**
 * Weights typed per variant (numbers ≥ 0 as text): the weights, or what is wrong. At least one
 * variant must keep a positive weight.
 */
export function weightsOf(typed: Record<string, string>): Record<string, number> | string {
  const weights: Record<string, number> = {};
  for (const [variant, text] of Object.entries(typed)) {
    const w = Number(text.trim());
    if (text.trim() === '' || !Number.isFinite(w) || w < 0) {
      return `The weight of ${variant} must be a number ≥ 0, not '${text}'.`;
    }
    weights[variant] = w;
  }
  if (!Object.values(weights).some((w) => w > 0)) {
    return 'Give at least one variant a positive weight.';
  }
  return weights;
}

/** The deployability check in lines a dialog shows: the verdict first, then what was read. */
export function deployabilityLines(
  deployable: boolean,
  reasons: readonly string[],
  facts: ModelDeployFacts | undefined,
): { verdict: string; ok: boolean; details: string[] } {
  const details: string[] = [];
  if (facts) {
    details.push(`Flavors: ${facts.flavors.join(', ') || 'none'}`);
    details.push(
      facts.signature?.inputs
        ? 'Signature: inputs declared'
        : 'Signature: none (inputs not checked)',
    );
    details.push(facts.hasInputExample ? 'Input example: yes' : 'Input example: none');
    if (facts.pythonVersion) details.push(`Python ${facts.pythonVersion}`);
    if (facts.pipRequirements.length) {
      details.push(
        `Requirements: ${facts.pipRequirements.slice(0, 4).join(', ')}${facts.pipRequirements.length > 4 ? ', …' : ''}`,
      );
    }
  }
  return deployable
    ? { verdict: 'Deployable here', ok: true, details }
    : { verdict: 'Not deployable here', ok: false, details: [...reasons, ...details] };
}

/** The variants of a deployment that take traffic (the ones a traffic form edits). */
export function servedVariants(d: ServingDeploymentSummary): string[] {
  return d.variants.filter((v) => !v.shadow).map((v) => v.name);
}

/** The deployments a version of `model` can join as a canary: deployed ones serving that model. */
export function canaryTargets(
  model: string,
  deployments: readonly ServingDeploymentSummary[],
): string[] {
  return deployments
    .filter((d) => d.status !== 'declared' && d.variants.some((v) => v.model === model))
    .map((d) => d.name);
}

/** Whether an action applies to a deployment in its state (the menu hides the others). */
export function actionApplies(
  action: 'deploy' | 'stop' | 'scale' | 'traffic' | 'promote' | 'rollback' | 'copy',
  d: ServingDeploymentSummary,
): boolean {
  switch (action) {
    case 'deploy':
      return d.status !== 'running';
    case 'stop':
    case 'copy':
      return d.status === 'running';
    case 'traffic':
      return d.status === 'running' && servedVariants(d).length >= 2;
    case 'promote':
      return servedVariants(d).length >= 2;
    case 'scale':
      return true;
    case 'rollback':
      return d.status !== 'declared';
  }
}
