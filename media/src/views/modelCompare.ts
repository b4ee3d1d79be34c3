/**
 * Model comparison: 2 to 10 versions side by side on one eval set: the versions (aliases, stage,
 * deployability, size), a metrics table with the best value of each metric highlighted, ROC,
 * precision-recall and calibration curves overlaid, confusion matrices, feature importance and
 * SHAP side by side, and the diffs of params, requirements, signature and lineage; CSV export.
 * Pure DOM against a {@link Bridge}.
 */
import type {
  ModelVersionSummary,
  ParamComparison,
  RegistryCompareResult,
  VersionRef,
} from '@sextant/language-server/protocol';
import { formatBytes } from '../artifacts';
import type { Bridge } from '../bridge';
import { formatNumber } from '../chart';
import { MessageType, type HostMessage } from '../contract';
import { modelCompareToCsv } from '../modelCsv';
import { runColor } from './charts';
import { h, replaceChildren, table } from './dom';
import {
  calibrationCurves,
  chartFigure,
  confusionTable,
  drawBars,
  drawCurves,
  drawResiduals,
  prCurves,
  purgeCharts,
  rocCurves,
  type Curve,
} from './evaluationPlots';
import { versionBadges } from './modelVersion';

/** What the model comparison keeps across reloads. */
export interface ModelCompareState {
  /** The versions shown, so that the host can restore the view after a reload. */
  versions?: VersionRef[];
  onlyDifferences: boolean;
}

/** `churn v2`, or `v2` when every compared version is of one model. */
export function versionLabel(versions: readonly ModelVersionSummary[], i: number): string {
  const v = versions[i]!;
  const oneModel = new Set(versions.map((x) => x.name)).size === 1;
  return oneModel ? `v${v.version}` : `${v.name} v${v.version}`;
}

/** Mounts the model comparison in `root` and tells the host it is ready. */
export function mountModelCompare(root: HTMLElement, bridge: Bridge): void {
  let state: ModelCompareState = {
    onlyDifferences: false,
    ...bridge.getState<ModelCompareState>(),
  };
  let compare: RegistryCompareResult | undefined;
  // Plotly sizes a chart from its container: charts are drawn once the page is in the document.
  const pending: (() => void)[] = [];
  const later = (drawChart: () => void): void => void pending.push(drawChart);
  const save = (next: ModelCompareState): void => {
    state = next;
    bridge.setState(state);
  };
  replaceChildren(
    root,
    h('header', {}, h('h1', {}, 'Model comparison'), h('p', { class: 'muted' }, 'Loading…')),
  );

  const swatch = (i: number): HTMLElement =>
    h('span', { class: 'swatch', style: `background:${runColor(i)}` });

  const versionLink = (c: RegistryCompareResult, i: number): HTMLElement => {
    const v = c.versions[i]!;
    return h(
      'button',
      {
        class: 'link',
        title: `Open ${v.name} version ${v.version}`,
        onclick: () =>
          bridge.post({ type: MessageType.OpenModelVersion, name: v.name, version: v.version }),
      },
      swatch(i),
      versionLabel(c.versions, i),
    );
  };

  const header = (c: RegistryCompareResult): HTMLElement => {
    const names = [...new Set(c.versions.map((v) => v.name))];
    const picker =
      c.commonEvalSets.length > 1
        ? [
            h('label', { for: 'eval-set' }, 'Eval set '),
            h(
              'select',
              {
                id: 'eval-set',
                onchange: (e: Event) =>
                  bridge.post({
                    type: MessageType.SelectEvalSet,
                    evalSet: (e.target as HTMLSelectElement).value,
                  }),
              },
              ...c.commonEvalSets.map((set) =>
                h('option', { value: set, selected: set === c.evalSet }, set),
              ),
            ),
          ]
        : [];
    return h(
      'header',
      {},
      h('h1', {}, `Comparing ${c.versions.length} versions of ${names.join(', ')}`),
      h(
        'button',
        {
          id: 'export-csv',
          onclick: () =>
            bridge.post({
              type: MessageType.SaveFile,
              fileName: `sextant-${names.join('-')}-versions.csv`,
              content: modelCompareToCsv(c),
            }),
        },
        'Export CSV',
      ),
      h(
        'p',
        { class: 'meta' },
        c.evalSet
          ? h('span', {}, 'On eval set ', h('strong', {}, c.evalSet), ' ')
          : h(
              'span',
              { class: 'muted' },
              'These versions share no eval set yet: evaluate them on one to compare metrics. ',
            ),
        ...picker,
      ),
    );
  };

  const versionsTable = (c: RegistryCompareResult): HTMLElement =>
    h(
      'section',
      { 'aria-label': 'Versions' },
      table(
        ['Version', 'Labels', 'Size', 'Source run', 'Evaluated'],
        c.versions.map((v, i) => ({
          cells: [
            versionLink(c, i),
            h('span', { class: 'badges' }, ...versionBadges(v)),
            formatBytes(v.sizeBytes),
            v.runId
              ? h(
                  'button',
                  {
                    class: 'link',
                    onclick: () => bridge.post({ type: MessageType.OpenRun, runId: v.runId }),
                  },
                  v.runId.slice(0, 8),
                )
              : '—',
            c.evaluations[i]
              ? new Date(c.evaluations[i]!.summary.startTime).toLocaleString()
              : h('span', { class: 'muted' }, 'not on this set'),
          ],
        })),
      ),
    );

  const metricsTable = (c: RegistryCompareResult): HTMLElement =>
    h(
      'section',
      { 'aria-label': 'Metrics' },
      h('h2', {}, 'Metrics'),
      c.metrics.length === 0
        ? h('p', { class: 'muted empty' }, 'No evaluation metrics on this eval set.')
        : h(
            'table',
            { class: 'data metrics-compare' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                h('th', { scope: 'col' }, 'Metric'),
                ...c.versions.map((_, i) =>
                  h('th', { scope: 'col' }, swatch(i), ' ', versionLabel(c.versions, i)),
                ),
              ),
            ),
            h(
              'tbody',
              {},
              ...c.metrics.map((m) =>
                h(
                  'tr',
                  {},
                  h(
                    'th',
                    { scope: 'row' },
                    h('code', {}, m.key),
                    m.ranked
                      ? h('span', { class: 'muted direction' }, m.greaterIsBetter ? ' ↑' : ' ↓')
                      : null,
                  ),
                  ...m.values.map((value, i) =>
                    h(
                      'td',
                      {
                        class: m.best === i ? 'best' : undefined,
                        title: m.best === i ? 'best' : undefined,
                      },
                      value === null ? '—' : formatNumber(value),
                      m.best === i
                        ? h('span', { class: 'best-mark', 'aria-label': 'best' }, ' ★')
                        : null,
                    ),
                  ),
                ),
              ),
            ),
          ),
    );

  const curvesSection = (c: RegistryCompareResult): HTMLElement | null => {
    const roc: Curve[] = [];
    const pr: Curve[] = [];
    const calibration: Curve[] = [];
    c.evaluations.forEach((e, i) => {
      if (!e) return;
      const label = versionLabel(c.versions, i);
      roc.push(...rocCurves(label, runColor(i), e.plots.roc ?? []));
      pr.push(...prCurves(label, runColor(i), e.plots.pr ?? []));
      calibration.push(...calibrationCurves(label, runColor(i), e.plots.calibration ?? []));
    });
    if (roc.length + pr.length + calibration.length === 0) return null;
    const charts = h('div', { class: 'charts' });
    const add = (
      title: string,
      axes: [string, string],
      curves: Curve[],
      diagonal: boolean,
    ): void => {
      if (curves.length === 0) return;
      const f = chartFigure(title);
      charts.append(f.figure);
      later(() => drawCurves(f.chart, title, axes, curves, diagonal));
    };
    const section = h('section', { 'aria-label': 'Curves' }, h('h2', {}, 'Curves'), charts);
    add('ROC curves', ['false positive rate', 'true positive rate'], roc, true);
    add('Precision-recall curves', ['recall', 'precision'], pr, false);
    add('Calibration', ['mean predicted probability', 'fraction of positives'], calibration, true);
    return section;
  };

  const sideBySide = (c: RegistryCompareResult): HTMLElement[] => {
    const sections: HTMLElement[] = [];
    const present = c.evaluations.map((e, i) => ({ e, i })).filter((x) => x.e !== null);
    const confusion = present.filter((x) => x.e!.plots.confusion);
    if (confusion.length > 0) {
      sections.push(
        h(
          'section',
          { 'aria-label': 'Confusion matrices' },
          h('h2', {}, 'Confusion matrices'),
          h(
            'div',
            { class: 'side-by-side' },
            ...confusion.map(({ e, i }) =>
              h(
                'figure',
                { class: 'chart-card' },
                confusionTable(e!.plots.confusion!, versionLabel(c.versions, i), runColor(i)),
              ),
            ),
          ),
        ),
      );
    }
    const residuals = present.filter((x) => x.e!.plots.residuals);
    if (residuals.length > 0) {
      const row = h('div', { class: 'charts' });
      sections.push(
        h('section', { 'aria-label': 'Residuals' }, h('h2', {}, 'Predicted against actual'), row),
      );
      for (const { e, i } of residuals) {
        const f = chartFigure(`Residuals ${versionLabel(c.versions, i)}`);
        row.append(f.figure);
        later(() => drawResiduals(f.chart, e!.plots.residuals!, runColor(i)));
      }
    }
    const importance = present.filter((x) => x.e!.plots.importance || x.e!.plots.shap);
    if (importance.length > 0) {
      const row = h('div', { class: 'charts' });
      sections.push(
        h(
          'section',
          { 'aria-label': 'Feature importance' },
          h('h2', {}, 'Feature importance'),
          row,
        ),
      );
      for (const { e, i } of importance) {
        const label = versionLabel(c.versions, i);
        const p = e!.plots;
        const { importance: permutation, shap } = p;
        if (permutation) {
          const f = chartFigure(`Permutation importance ${label}`);
          row.append(f.figure);
          later(() =>
            drawBars(
              f.chart,
              `${label}: permutation importance`,
              `drop in ${permutation.scoring}`,
              permutation.features,
              permutation.mean,
              runColor(i),
              permutation.std,
            ),
          );
        }
        if (shap) {
          const f = chartFigure(`Mean |SHAP| ${label}`);
          row.append(f.figure);
          const perFeature = shap.meanAbs.map(
            (r) => r.reduce((a, b) => a + b, 0) / Math.max(1, r.length),
          );
          later(() =>
            drawBars(
              f.chart,
              `${label}: mean |SHAP|`,
              'mean |SHAP value|',
              shap.features,
              perFeature,
              runColor(i),
            ),
          );
        }
      }
    }
    return sections;
  };

  const diff = (
    c: RegistryCompareResult,
    title: string,
    first: string,
    rows: ParamComparison[],
    empty: string,
  ): HTMLElement => {
    const shown = state.onlyDifferences ? rows.filter((r) => r.differs) : rows;
    return h(
      'section',
      { 'aria-label': title },
      h('h2', {}, title),
      shown.length === 0
        ? h('p', { class: 'muted empty' }, rows.length === 0 ? empty : 'The same in every version.')
        : table(
            [first, ...c.versions.map((_, i) => versionLabel(c.versions, i))],
            shown.map((r) => ({
              className: r.differs ? 'differs' : undefined,
              cells: [h('code', {}, r.key), ...r.values.map((v) => v ?? '—')],
            })),
          ),
    );
  };

  const draw = (): void => {
    const c = compare;
    if (!c) return;
    purgeCharts(root);
    pending.length = 0;
    const toggle = h('input', {
      type: 'checkbox',
      id: 'only-differences',
      checked: state.onlyDifferences,
      onchange: (e: Event) => {
        save({ ...state, onlyDifferences: (e.target as HTMLInputElement).checked });
        draw();
      },
    });
    replaceChildren(
      root,
      header(c),
      versionsTable(c),
      metricsTable(c),
      curvesSection(c),
      ...sideBySide(c),
      h(
        'section',
        { 'aria-label': 'What made them' },
        h('h2', {}, 'What made them'),
        h('label', { class: 'check' }, toggle, ' Only show differences'),
      ),
      diff(c, 'Parameters', 'Parameter', c.params, 'The source runs logged no parameters.'),
      diff(c, 'Requirements', 'Package', c.requirements, 'No requirements recorded.'),
      diff(c, 'Signature', 'Column', c.signature, 'No signatures.'),
      diff(c, 'Lineage and environment', 'Fact', c.facts, 'Nothing recorded.'),
    );
    for (const drawChart of pending.splice(0)) drawChart();
  };

  new MutationObserver(() => draw()).observe(document.body, {
    attributes: true,
    attributeFilter: ['class', 'style', 'data-vscode-theme-id'],
  });

  bridge.listen((message: HostMessage) => {
    if (message.type === MessageType.ModelCompareSnapshot) {
      compare = message.compare;
      save({
        ...state,
        versions: compare.versions.map((v) => ({ name: v.name, version: v.version })),
      });
      draw();
    } else {
      console.warn('sextant model comparison view: ignored message', message.type);
    }
  });
  bridge.post({ type: MessageType.Ready });
}
