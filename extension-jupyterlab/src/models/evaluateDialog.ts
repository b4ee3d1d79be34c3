/** The body of the Evaluate… dialog: eval set, target, task, eval set name, slice and versions. */
import type { ModelVersionSummary, VersionRef } from '@sextant/language-server/protocol';
import type { Dialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';
import { el } from '../dom.js';
import type { EvaluateForm } from './model.js';

function field(label: string, input: HTMLElement, hint?: string): HTMLLabelElement {
  const node = el('label', 'jp-SextantEvaluate-field');
  node.append(el('span', 'jp-SextantEvaluate-label', label), input);
  if (hint) node.append(el('span', 'jp-SextantEvaluate-hint', hint));
  return node;
}

function text(name: string, value = '', placeholder = ''): HTMLInputElement {
  const input = el('input', 'jp-mod-styled');
  input.name = name;
  input.value = value;
  input.placeholder = placeholder;
  return input;
}

/** The dialog's form; its value is what was typed and ticked. */
export class EvaluateDialogBody extends Widget implements Dialog.IBodyWidget<EvaluateForm> {
  private readonly data = text('data', '', 'data/eval.csv');
  private readonly target = text('target', '', 'label');
  private readonly task = el('select', 'jp-mod-styled');
  private readonly evalSet = text('evalSet', '', 'default: the file name');
  private readonly slice = text('slice', '', 'optional');
  private readonly ticks: { ref: VersionRef; box: HTMLInputElement }[] = [];

  constructor(
    versions: ModelVersionSummary[],
    chosen: readonly VersionRef[],
    last?: Partial<EvaluateForm>,
  ) {
    super();
    this.addClass('jp-SextantEvaluate');
    for (const task of ['classifier', 'regressor']) {
      const option = el('option', '', task);
      option.value = task;
      this.task.append(option);
    }
    this.task.name = 'task';
    this.data.value = last?.data ?? '';
    this.target.value = last?.target ?? '';
    this.task.value = last?.task ?? 'classifier';
    const list = el('div', 'jp-SextantEvaluate-versions');
    list.setAttribute('role', 'group');
    list.setAttribute('aria-label', 'Versions to evaluate');
    for (const version of versions) {
      const ref = { name: version.name, version: version.version };
      const box = el('input', '');
      box.type = 'checkbox';
      box.name = `v${version.version}`;
      box.checked = chosen.some((c) => c.name === ref.name && c.version === ref.version);
      const label = el('label', 'jp-SextantEvaluate-version');
      const aliases = version.aliases.map((a) => ` @${a}`).join('');
      label.append(box, document.createTextNode(` v${version.version}${aliases}`));
      list.append(label);
      this.ticks.push({ ref, box });
    }
    this.node.append(
      field('Eval set', this.data, 'A .csv or .parquet file, relative to the Jupyter root'),
      field('Target column', this.target),
      field('Task', this.task),
      field('Eval set name', this.evalSet),
      field('Metrics per value of', this.slice),
      el('span', 'jp-SextantEvaluate-label', 'Versions'),
      list,
    );
  }

  getValue(): EvaluateForm {
    return {
      data: this.data.value,
      target: this.target.value,
      task: this.task.value,
      evalSet: this.evalSet.value,
      sliceColumn: this.slice.value,
      versions: this.ticks.filter((t) => t.box.checked).map((t) => t.ref),
    };
  }
}
