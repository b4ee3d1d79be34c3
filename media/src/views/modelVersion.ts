/**
 * The model version page: a card (aliases, stage, status, deployability and why not, source, size,
 * flavors), the signature as a table, the requirements, the lineage (source run → pipeline step →
 * dataset versions, clickable), the newest evaluation with its plots, a metric across the model's
 * versions, every evaluation of the version, and its alias and stage history. Pure DOM against a
 * {@link Bridge}.
 */
import type {
  EvaluationDetails,
  EvaluationSummary,
  RegistryEvent,
  RegistryVersionResult,
} from '@sextant/language-server/protocol';
import { formatBytes } from '../artifacts';
import type { Bridge } from '../bridge';
import { formatNumber } from '../chart';
import { MessageType, type HostMessage } from '../contract';
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
} from './evaluationPlots';

/** Metrics that record a verdict (a gate's 1 or 0), not a score: never drawn across versions. */
const VERDICTS = new Set(['gate_passed']);

/** What the version page keeps across reloads. */
export interface ModelVersionState {
  name?: string;
  version?: string;
  /** The metric of the across-versions chart. */
  historyMetric?: string;
}

const when = (ms: number): string => new Date(ms).toLocaleString();

/** A two-column table of labelled facts (no header row). */
function factsTable(rows: { cells: [string, Node | string] }[]): HTMLTableElement {
  return h(
    'table',
    { class: 'data facts' },
    h(
      'tbody',
      {},
      ...rows.map((row) =>
        h('tr', {}, h('th', { scope: 'row' }, row.cells[0]), h('td', {}, row.cells[1])),
      ),
    ),
  );
}

/** Alias badges, stage, status and deployability as small labels. */
export function versionBadges(summary: RegistryVersionResult['summary']): (HTMLElement | string)[] {
  return [
    ...summary.aliases.map((alias) =>
      h('span', { class: 'badge alias', title: 'alias' }, `@${alias}`),
    ),
    summary.stage !== 'None' ? h('span', { class: 'badge stage' }, summary.stage) : '',
    summary.status !== 'READY'
      ? h('span', { class: 'badge failed', title: summary.statusMessage }, summary.status)
      : '',
    h(
      'span',
      {
        class: `badge ${summary.deployable ? 'deployable' : 'not-deployable'}`,
        title: summary.reasons.join('\n'),
      },
      summary.deployable ? '✓ deployable' : '✗ not deployable',
    ),
  ];
}

/** The columns of an MLflow signature side as table rows. */
function signatureRows(json: string | undefined): { cells: string[] }[] {
  if (!json) return [];
  try {
    const columns = JSON.parse(json) as unknown;
    return (Array.isArray(columns) ? columns : []).map((c: unknown, i) => {
      const col = (c ?? {}) as { name?: unknown; type?: unknown; required?: unknown };
      return {
        cells: [
          typeof col.name === 'string' ? col.name : String(i),
          typeof col.type === 'string' ? col.type : JSON.stringify(c),
          col.required === false ? 'optional' : 'required',
        ],
      };
    });
  } catch {
    return [{ cells: ['?', json, ''] }];
  }
}

function eventText(event: RegistryEvent): string {
  const d = event.details;
  switch (event.kind) {
    case 'alias_set':
      return `@${d['alias'] ?? ''} set to version ${d['version'] ?? d['to'] ?? ''}`;
    case 'alias_moved':
      return `@${d['alias'] ?? ''} moved from version ${d['from'] ?? ''} to ${d['to'] ?? ''}`;
    case 'alias_deleted':
      return `@${d['alias'] ?? ''} deleted`;
    case 'stage_transitioned':
      return `stage ${d['from'] ?? ''} → ${d['to'] ?? d['stage'] ?? ''}`;
    case 'version_created':
      return 'registered';
    default:
      return `${event.kind.replace(/_/g, ' ')} ${Object.entries(d)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ')}`.trim();
  }
}

/** Mounts the version page in `root` and tells the host it is ready. */
export function mountModelVersion(root: HTMLElement, bridge: Bridge): void {
  let state: ModelVersionState = { ...bridge.getState<ModelVersionState>() };
  let page: RegistryVersionResult | undefined;
  let modelEvaluations: EvaluationSummary[] = [];
  // Plotly sizes a chart from its container: charts are drawn once the page is in the document.
  const pending: (() => void)[] = [];
  const later = (drawChart: () => void): void => void pending.push(drawChart);
  const save = (next: ModelVersionState): void => {
    state = next;
    bridge.setState(state);
  };
  const openRun = (runId: string, label: string, title = runId): HTMLElement =>
    h(
      'button',
      { class: 'link', title, onclick: () => bridge.post({ type: MessageType.OpenRun, runId }) },
      label,
    );
  replaceChildren(
    root,
    h('header', {}, h('h1', {}, 'Model version'), h('p', { class: 'muted' }, 'Loading…')),
  );

  const card = (p: RegistryVersionResult): HTMLElement => {
    const v = p.version;
    const facts = v.facts;
    return h(
      'section',
      { class: 'card', 'aria-label': 'Version' },
      factsTable([
        { cells: ['Source', h('code', {}, v.source)] },
        {
          cells: [
            'Source run',
            p.sourceRun
              ? openRun(p.sourceRun.runId, p.sourceRun.runName || p.sourceRun.runId)
              : v.runId || '—',
          ],
        },
        { cells: ['Registered', `${when(v.creationTimestamp)} by ${v.userId || 'unknown'}`] },
        { cells: ['Description', v.description || '—'] },
        { cells: ['Flavors', facts?.flavors.join(', ') || '—'] },
        { cells: ['Python', facts?.pythonVersion ?? '—'] },
        { cells: ['MLflow', facts?.mlflowVersion ?? '—'] },
        { cells: ['Size', facts ? formatBytes(facts.sizeBytes) : '—'] },
        {
          cells: [
            'Deployable',
            p.summary.deployable
              ? 'yes'
              : h('ul', { class: 'reasons' }, ...p.summary.reasons.map((r) => h('li', {}, r))),
          ],
        },
      ]),
    );
  };

  const signature = (p: RegistryVersionResult): HTMLElement => {
    const sig = p.version.facts?.signature;
    const inputs = signatureRows(sig?.inputs);
    const outputs = signatureRows(sig?.outputs);
    return h(
      'section',
      { 'aria-label': 'Signature' },
      h('h2', {}, 'Signature'),
      !sig
        ? h(
            'p',
            { class: 'muted empty' },
            'No signature: log the model with an input example or a signature.',
          )
        : h(
            'div',
            { class: 'columns' },
            h('div', {}, h('h3', {}, 'Inputs'), table(['Column', 'Type', ''], inputs)),
            h('div', {}, h('h3', {}, 'Outputs'), table(['Column', 'Type', ''], outputs)),
          ),
    );
  };

  const requirements = (p: RegistryVersionResult): HTMLElement => {
    const facts = p.version.facts;
    const pip = facts?.pipRequirements ?? [];
    return h(
      'section',
      { 'aria-label': 'Requirements' },
      h('h2', {}, 'Requirements'),
      pip.length === 0
        ? h('p', { class: 'muted empty' }, 'No requirements.txt.')
        : h(
            'ul',
            { class: 'requirements' },
            ...pip.map((line) => h('li', {}, h('code', {}, line))),
          ),
      facts?.hasConda
        ? h('p', { class: 'muted' }, `conda.yaml: ${facts.condaDependencies.join(', ')}`)
        : null,
    );
  };

  const lineage = (p: RegistryVersionResult): HTMLElement => {
    const l = p.version.lineage;
    const steps: (HTMLElement | string)[] = [];
    if (p.sourceRun) {
      steps.push(
        h(
          'div',
          { class: 'lineage-node' },
          h('span', { class: 'muted' }, 'run'),
          openRun(p.sourceRun.runId, p.sourceRun.runName || p.sourceRun.runId),
        ),
      );
    } else if (l?.runId) {
      steps.push(
        h(
          'div',
          { class: 'lineage-node' },
          h('span', { class: 'muted' }, 'run'),
          h('code', {}, l.runId),
        ),
      );
    }
    if (l?.pipelineStep) {
      steps.push(
        h(
          'div',
          { class: 'lineage-node' },
          h('span', { class: 'muted' }, 'pipeline step'),
          l.runId
            ? openRun(
                l.runId,
                `${l.pipeline ?? ''} › ${l.pipelineStep}`,
                `pipeline run ${l.pipelineRunId ?? ''}`,
              )
            : `${l.pipeline ?? ''} › ${l.pipelineStep}`,
        ),
      );
    }
    for (const d of l?.datasets ?? []) {
      steps.push(
        h(
          'div',
          { class: 'lineage-node' },
          h('span', { class: 'muted' }, d.context ? `dataset (${d.context})` : 'dataset'),
          l?.runId
            ? openRun(l.runId, `${d.name}@${d.digest.slice(0, 12)}`, `logged by run ${l.runId}`)
            : `${d.name}@${d.digest.slice(0, 12)}`,
        ),
      );
    }
    return h(
      'section',
      { 'aria-label': 'Lineage' },
      h('h2', {}, 'Lineage'),
      steps.length === 0
        ? h('p', { class: 'muted empty' }, 'No source run recorded.')
        : h(
            'div',
            { class: 'lineage' },
            ...steps.flatMap((s, i) =>
              i === 0 ? [s] : [h('span', { class: 'arrow', 'aria-hidden': 'true' }, '←'), s],
            ),
          ),
      l?.gitCommit ? h('p', { class: 'muted' }, 'git commit ', h('code', {}, l.gitCommit)) : null,
    );
  };

  const evaluation = (p: RegistryVersionResult): HTMLElement => {
    const e: EvaluationDetails | undefined = p.latestEvaluation;
    const section = h('section', { 'aria-label': 'Evaluation' }, h('h2', {}, 'Evaluation'));
    if (!e) {
      section.append(
        h('p', { class: 'muted empty' }, 'Not evaluated yet: run “Evaluate…” on this version.'),
      );
      return section;
    }
    const color = runColor(0);
    const name = `v${p.summary.version}`;
    section.append(
      h(
        'p',
        { class: 'meta' },
        'On ',
        h('strong', {}, e.summary.evalSet),
        ` (${e.summary.task}, dataset `,
        h('code', { title: e.summary.datasetSha256 }, e.summary.datasetSha256.slice(0, 12)),
        ') · ',
        openRun(e.summary.runId, 'evaluation run'),
        e.summary.gate
          ? h('span', { class: `badge gate-${e.summary.gate}` }, `gate ${e.summary.gate}`)
          : null,
      ),
      table(
        ['Metric', 'Value'],
        Object.entries(e.summary.metrics)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([key, value]) => ({ cells: [h('code', {}, key), formatNumber(value)] })),
        'data metrics',
      ),
    );
    const plots = h('div', { class: 'charts' });
    section.append(plots);
    const { roc, pr, calibration, confusion, residuals, importance, shap } = e.plots;
    if (roc?.length) {
      const f = chartFigure('ROC curve');
      plots.append(f.figure);
      later(() =>
        drawCurves(
          f.chart,
          'ROC curve',
          ['false positive rate', 'true positive rate'],
          rocCurves(name, color, roc),
          true,
        ),
      );
    }
    if (pr?.length) {
      const f = chartFigure('Precision-recall curve');
      plots.append(f.figure);
      later(() =>
        drawCurves(
          f.chart,
          'Precision-recall curve',
          ['recall', 'precision'],
          prCurves(name, color, pr),
          false,
        ),
      );
    }
    if (calibration?.length) {
      const f = chartFigure('Calibration curve');
      plots.append(f.figure);
      later(() =>
        drawCurves(
          f.chart,
          'Calibration',
          ['mean predicted probability', 'fraction of positives'],
          calibrationCurves(name, color, calibration),
          true,
        ),
      );
    }
    if (confusion)
      plots.append(
        h('figure', { class: 'chart-card' }, confusionTable(confusion, 'Confusion matrix', color)),
      );
    if (residuals) {
      const f = chartFigure('Predicted against actual');
      plots.append(f.figure);
      later(() => drawResiduals(f.chart, residuals, color));
    }
    if (importance) {
      const f = chartFigure('Permutation importance');
      plots.append(f.figure);
      later(() =>
        drawBars(
          f.chart,
          `Permutation importance (${importance.scoring})`,
          'mean drop',
          importance.features,
          importance.mean,
          color,
          importance.std,
        ),
      );
    }
    if (shap) {
      const f = chartFigure('Mean |SHAP|');
      plots.append(f.figure);
      const perFeature = shap.meanAbs.map(
        (row) => row.reduce((a, b) => a + b, 0) / Math.max(1, row.length),
      );
      later(() =>
        drawBars(
          f.chart,
          `Mean |SHAP| (${shap.rowsExplained} rows)`,
          'mean |SHAP value|',
          shap.features,
          perFeature,
          runColor(1),
        ),
      );
    }
    if (e.warnings.length > 0) {
      section.append(
        h('ul', { class: 'warnings muted' }, ...e.warnings.map((w) => h('li', {}, w))),
      );
    }
    return section;
  };

  const acrossVersions = (p: RegistryVersionResult): HTMLElement | null => {
    const evalSet = p.latestEvaluation?.summary.evalSet;
    if (!evalSet || modelEvaluations.length < 2) return null;
    const keys = [...new Set(modelEvaluations.flatMap((e) => Object.keys(e.metrics)))]
      .filter((key) => !VERDICTS.has(key))
      .sort();
    if (keys.length === 0) return null;
    const metric =
      state.historyMetric && keys.includes(state.historyMetric)
        ? state.historyMetric
        : (p.summary.keyMetric?.key ?? keys[0]!);
    const points = [...modelEvaluations]
      .filter((e) => e.metrics[metric] !== undefined)
      .sort((a, b) => a.startTime - b.startTime);
    const f = chartFigure(`${metric} across versions`);
    const section = h(
      'section',
      { 'aria-label': 'Across versions' },
      h('h2', {}, `Across versions on ${evalSet}`),
      h(
        'div',
        { class: 'toolbar' },
        h('label', { for: 'history-metric' }, 'Metric '),
        h(
          'select',
          {
            id: 'history-metric',
            onchange: (event: Event) => {
              save({ ...state, historyMetric: (event.target as HTMLSelectElement).value });
              draw();
            },
          },
          ...keys.map((key) => h('option', { value: key, selected: key === metric }, key)),
        ),
      ),
      h('div', { class: 'charts' }, f.figure),
    );
    later(() =>
      drawCurves(
        f.chart,
        `${metric} by evaluation`,
        ['evaluated version, oldest evaluation first', metric],
        [
          {
            name: p.summary.name,
            x: points.map((_, i) => i + 1),
            y: points.map((e) => e.metrics[metric]!),
            xLabels: points.map((e) => `v${e.version ?? '?'}`),
            color: runColor(0),
          },
        ],
        false,
      ),
    );

    return section;
  };

  const evaluationsTable = (p: RegistryVersionResult): HTMLElement | null =>
    p.evaluations.length === 0
      ? null
      : h(
          'section',
          { 'aria-label': 'Evaluations' },
          h('h2', {}, 'Evaluations of this version'),
          table(
            ['When', 'Eval set', 'Key metric', 'Run'],
            p.evaluations.map((e) => {
              const key = p.summary.keyMetric?.key;
              return {
                cells: [
                  when(e.startTime),
                  e.evalSet,
                  key && e.metrics[key] !== undefined
                    ? `${key} ${formatNumber(e.metrics[key])}`
                    : '—',
                  openRun(e.runId, e.runId.slice(0, 8)),
                ],
              };
            }),
          ),
        );

  const history = (p: RegistryVersionResult): HTMLElement =>
    h(
      'section',
      { 'aria-label': 'History' },
      h('h2', {}, 'Alias and stage history'),
      p.history.length === 0
        ? h('p', { class: 'muted empty' }, 'No events.')
        : table(
            ['When', 'What', 'Who', 'Why'],
            [...p.history].reverse().map((e) => ({
              cells: [when(e.time), eventText(e), e.user, e.reason ?? ''],
            })),
            'data history',
          ),
    );

  const draw = (): void => {
    const p = page;
    if (!p) return;
    purgeCharts(root);
    pending.length = 0;
    const header = h(
      'header',
      {},
      h('h1', {}, `${p.summary.name} · version ${p.summary.version}`),
      h('div', { class: 'badges' }, ...versionBadges(p.summary)),
      h(
        'div',
        { class: 'actions' },
        h(
          'button',
          {
            id: 'copy-snippet',
            title: p.snippet.code,
            onclick: () => bridge.post({ type: MessageType.CopyText, text: p.snippet.code }),
          },
          'Copy load snippet',
        ),
        p.sourceRun
          ? h(
              'button',
              {
                class: 'secondary',
                onclick: () =>
                  bridge.post({ type: MessageType.OpenRun, runId: p.sourceRun!.runId }),
              },
              'Open source run',
            )
          : null,
      ),
      h(
        'p',
        { class: 'meta snippet' },
        h(
          'code',
          {},
          p.snippet.code.split('\n').find((l) => l.includes('load_model')) ?? p.snippet.uri,
        ),
      ),
    );
    replaceChildren(
      root,
      header,
      card(p),
      signature(p),
      requirements(p),
      lineage(p),
      evaluation(p),
      acrossVersions(p),
      evaluationsTable(p),
      history(p),
    );
    for (const drawChart of pending.splice(0)) drawChart();
  };

  // Hosts switch themes by changing the body's class and CSS variables: redraw in the new colors.
  new MutationObserver(() => draw()).observe(document.body, {
    attributes: true,
    attributeFilter: ['class', 'style', 'data-vscode-theme-id'],
  });

  bridge.listen((message: HostMessage) => {
    if (message.type === MessageType.ModelVersionSnapshot) {
      page = message.page;
      modelEvaluations = message.modelEvaluations;
      save({ ...state, name: page.summary.name, version: page.summary.version });
      draw();
    } else {
      console.warn('sextant model version view: ignored message', message.type);
    }
  });
  bridge.post({ type: MessageType.Ready });
}
