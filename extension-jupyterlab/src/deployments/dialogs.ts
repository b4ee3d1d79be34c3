/**
 * The bodies of the Deployments dialogs: Deploy (the deployability check first, then name, model
 * URI, runtime and replicas) and Set traffic (a slider and a number per variant).
 */
import type {
  RegistryVersionResult,
  ServingDeploymentSummary,
} from '@sextant/language-server/protocol';
import { suggestedDeploymentName, trafficShares } from '@sextant/media/deployments';
import { errorMessage } from '@sextant/media/client';
import type { Dialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';
import { el } from '../dom.js';
import { deployabilityLines, servedVariants, type DeployForm } from './model.js';

function field(label: string, input: HTMLElement, hint?: string): HTMLLabelElement {
  const node = el('label', 'jp-SextantEvaluate-field');
  node.append(el('span', 'jp-SextantEvaluate-label', label), input);
  if (hint) node.append(el('span', 'jp-SextantEvaluate-hint', hint));
  return node;
}

function select(name: string, values: readonly string[], chosen: string): HTMLSelectElement {
  const node = el('select', 'jp-mod-styled');
  node.name = name;
  for (const value of values) {
    const option = el('option', '', value);
    option.value = value;
    node.append(option);
  }
  node.value = chosen;
  return node;
}

/** Whether the version checked by a Deploy dialog can be deployed (undefined while checking). */
export type CheckOutcome = { deployable: boolean; reasons: string[] } | undefined;

/** The Deploy dialog's form; the deployability check is shown above it as soon as it is read. */
export class DeployDialogBody extends Widget implements Dialog.IBodyWidget<DeployForm> {
  private readonly uri: HTMLSelectElement;
  private readonly name = el('input', 'jp-mod-styled');
  private readonly runtime = select('runtime', ['python', 'onnx'], 'python');
  private readonly replicas = el('input', 'jp-mod-styled');
  private readonly check = el('div', 'jp-SextantDeploy-check');
  private readonly where: HTMLSelectElement;
  private readonly weight = el('input', 'jp-mod-styled');
  private outcome: CheckOutcome;

  constructor(
    uris: readonly string[],
    chosen: string,
    model: string,
    page: Promise<RegistryVersionResult>,
    /** Deployments it can join as a canary. */
    canaryTargets: readonly string[] = [],
  ) {
    super();
    this.addClass('jp-SextantDeploy');
    this.uri = select('model', uris, chosen);
    this.name.name = 'name';
    this.name.value = suggestedDeploymentName(model);
    this.replicas.name = 'replicas';
    this.replicas.type = 'number';
    this.replicas.min = '1';
    this.replicas.max = '256';
    this.replicas.value = '1';
    this.check.setAttribute('role', 'status');
    this.where = select('where', ['', ...canaryTargets], '');
    for (const option of this.where.options) {
      option.textContent = option.value ? `Add to ${option.value} as a canary` : 'A new deployment';
    }
    this.weight.name = 'weight';
    this.weight.type = 'number';
    this.weight.min = '0';
    this.weight.max = '100';
    this.weight.value = '10';
    const canary = field('Canary share (%)', this.weight, 'The champion keeps the rest');
    const pair = el('div', 'jp-SextantDeploy-pair');
    pair.append(
      field('Runtime', this.runtime, 'python: pyfunc workers · onnx: sklearn as ONNX'),
      field('Replicas', this.replicas, 'Per variant'),
    );
    this.check.append(
      el('span', 'jp-SextantDeploy-verdict', 'Checking whether it can be deployed here…'),
    );
    this.node.append(
      this.check,
      field('Deploy', this.uri, 'Pinned to the version, or following an alias (promote moves it)'),
      field('Deploy as', this.where),
      field('Deployment name', this.name),
      pair,
      canary,
    );
    const follow = (): void => {
      const asCanary = this.where.value !== '';
      for (const node of [this.name, this.runtime, this.replicas]) node.disabled = asCanary;
      canary.hidden = !asCanary;
      this.name.parentElement!.hidden = asCanary;
      pair.hidden = asCanary;
    };
    this.where.addEventListener('change', follow);
    follow();
    page.then(
      (result) => this.showCheck(result),
      (error: unknown) => {
        this.outcome = { deployable: false, reasons: [errorMessage(error)] };
        this.check.replaceChildren(
          el(
            'span',
            'jp-SextantDeploy-verdict jp-mod-bad',
            `Cannot check the version: ${errorMessage(error)}`,
          ),
        );
      },
    );
  }

  /** The check's outcome once read. */
  get checked(): CheckOutcome {
    return this.outcome;
  }

  private showCheck(result: RegistryVersionResult): void {
    const { deployable, reasons } = result.summary;
    this.outcome = { deployable, reasons };
    const lines = deployabilityLines(deployable, reasons, result.version.facts);
    const verdict = el(
      'span',
      `jp-SextantDeploy-verdict ${lines.ok ? 'jp-mod-good' : 'jp-mod-bad'}`,
      `${lines.ok ? '✓' : '✗'} ${lines.verdict}`,
    );
    const details = el('ul', 'jp-SextantDeploy-details');
    for (const line of lines.details) details.append(el('li', '', line));
    this.check.replaceChildren(verdict, details);
    this.check.dataset['deployable'] = String(deployable);
  }

  getValue(): DeployForm {
    return {
      name: this.name.value,
      model: this.uri.value,
      runtime: this.runtime.value,
      replicas: this.replicas.value,
      canaryOf: this.where.value,
      weight: this.weight.value,
    };
  }
}

/** The Set traffic dialog: per variant taking traffic, a slider and its weight. */
export class TrafficDialogBody
  extends Widget
  implements Dialog.IBodyWidget<Record<string, string>>
{
  private readonly inputs = new Map<string, HTMLInputElement>();

  constructor(d: ServingDeploymentSummary) {
    super();
    this.addClass('jp-SextantTraffic');
    const shares = trafficShares(d.variants);
    for (const name of servedVariants(d)) {
      const variant = d.variants.find((v) => v.name === name)!;
      const slider = el('input', 'jp-SextantTraffic-slider');
      slider.type = 'range';
      slider.min = '0';
      slider.max = '100';
      slider.step = '1';
      slider.value = String(Math.round(shares[name] ?? 0));
      slider.setAttribute('aria-label', `Weight of ${name}`);
      const number = el('input', 'jp-mod-styled jp-SextantTraffic-weight');
      number.type = 'number';
      number.min = '0';
      number.name = name;
      number.value = String(variant.weight);
      slider.addEventListener('input', () => {
        number.value = slider.value;
        this.balance(name, Number(slider.value));
      });
      number.addEventListener('input', () => (slider.value = number.value));
      const row = el('label', 'jp-SextantTraffic-row');
      row.append(
        el('span', 'jp-SextantTraffic-name', `${name} · ${variant.model} v${variant.version}`),
        slider,
        number,
      );
      this.node.append(row);
      this.inputs.set(name, number);
    }
    this.node.append(
      el(
        'span',
        'jp-SextantEvaluate-hint',
        'Weights are relative: 90 and 10 send 90% and 10% of the requests.',
      ),
    );
  }

  /** With two variants, moving one slider moves the other to the rest of 100. */
  private balance(moved: string, value: number): void {
    if (this.inputs.size !== 2) return;
    for (const [name, input] of this.inputs) {
      if (name === moved) continue;
      input.value = String(100 - value);
      const slider = input.previousElementSibling as HTMLInputElement | null;
      if (slider) slider.value = input.value;
    }
  }

  getValue(): Record<string, string> {
    return Object.fromEntries([...this.inputs].map(([name, input]) => [name, input.value]));
  }
}
