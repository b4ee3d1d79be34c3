/**
 * The experiment report of a deployment: what the rules say now; per-variant results (requests,
 * feedback, rate or mean with its interval, the effect against the control with its p-values,
 * guardrails) with Promote and Stop; the effects drawn as intervals; the always-valid p-value over
 * time against alpha; a bandit's arm probabilities over time; the planned sample and progress;
 * and the decision log with each decision's evidence. Actions are confirmed in the view first.
 * Without an `experiment:` block it shows one to add. Pure DOM against a {@link Bridge}.
 */
import * as Plotly from 'plotly.js-dist-min';
import type { OnlineDecision, OnlineReport } from '@sextant/language-server/protocol';
import type { Bridge } from '../bridge';
import { MessageType, type ExperimentAction, type HostMessage } from '../contract';
import {
  allocationBands,
  formatEffect,
  formatInterval,
  formatMetric,
  formatPValue,
  guardrailStates,
  planProgress,
  pValueLines,
} from '../experimentReport';
import { formatMs, formatPercent } from '../deployments';
import { cssVar, runColor } from './charts';
import { h, replaceChildren, table } from './dom';

/** What the report keeps across reloads. */
export interface ExperimentReportViewState {
  deployment?: string;
}

const CONFIG = { displaylogo: false, responsive: true, displayModeBar: false };

const when = (ms: number): string => new Date(ms).toLocaleString();

/** The words of a confirmation for an action. */
function confirmation(action: ExperimentAction, report: OnlineReport): string {
  const control = report.variants.find((v) => v.control);
  const target = report.variants.find((v) => v.name === action.variant);
  switch (action.action) {
    case 'promote':
      return `Promote '${action.variant ?? ''}'? The champion alias of ${target?.model ?? 'the model'} moves to version ${target?.version ?? '?'} and it takes all traffic. The experiment ends.`;
    case 'stop':
      return `Stop '${action.variant ?? ''}'? Its traffic goes to 0; the experiment goes on with the other variants.`;
    case 'rollback':
      return `Roll back? All traffic goes to the control '${control?.name ?? ''}' and the experiment ends.`;
    case 'undoPromotion':
      return 'Roll the promotion back? The alias and the traffic return to where they were before it.';
  }
}

/** The verb of an action's button. */
const VERBS: Record<ExperimentAction['action'], string> = {
  promote: 'Promote',
  stop: 'Stop variant',
  rollback: 'Roll back',
  undoPromotion: 'Roll back promotion',
};

/** Mounts the experiment report in `root`. */
export function mountOnlineExperiment(root: HTMLElement, bridge: Bridge): void {
  const state: ExperimentReportViewState = bridge.getState<ExperimentReportViewState>() ?? {};
  let deployment: string | undefined;
  let report: OnlineReport | null = null;
  let snippet: string | undefined;
  let error: string | undefined;
  let promotionToRollBack = false;
  let pending: ExperimentAction | undefined;
  let notice: { level: string; message: string } | undefined;

  const noticeLine = h('p', { class: 'notice', role: 'status', 'aria-live': 'polite' });
  const plots = {
    intervals: h('div', { class: 'chart', 'data-plot': 'intervals' }),
    pvalue: h('div', { class: 'chart', 'data-plot': 'pvalue' }),
    allocation: h('div', { class: 'chart', 'data-plot': 'allocation' }),
  };
  new ResizeObserver(() => {
    for (const chart of Object.values(plots)) {
      if (chart.childElementCount > 0) Plotly.Plots.resize(chart);
    }
  }).observe(root);

  const showNotice = (): void => {
    noticeLine.className = `notice ${notice?.level ?? ''}`;
    noticeLine.textContent = notice?.message ?? '';
  };

  const ask = (action: ExperimentAction): void => {
    pending = action;
    draw();
    root.querySelector<HTMLButtonElement>('.confirm button[data-action="confirm"]')?.focus();
  };

  const actionButton = (
    action: ExperimentAction,
    enabled: boolean,
    secondary: boolean,
    title: string,
  ): HTMLElement =>
    h(
      'button',
      {
        class: secondary ? 'secondary small' : 'small',
        'data-action': action.action,
        ...(action.variant ? { 'data-variant': action.variant } : {}),
        disabled: !enabled,
        title,
        onclick: () => ask(action),
      },
      action.variant ? `${VERBS[action.action]} ${action.variant}` : VERBS[action.action],
    );

  const theme = () => {
    const fg = cssVar('--vscode-editor-foreground', '#333');
    const grid = cssVar('--vscode-editorWidget-border', 'rgba(128,128,128,0.3)');
    const font = cssVar('--vscode-font-family', 'sans-serif');
    return {
      fg,
      grid,
      axis: { color: fg, gridcolor: grid, zerolinecolor: grid, linecolor: grid },
      layout: {
        paper_bgcolor: 'rgba(0,0,0,0)',
        plot_bgcolor: 'rgba(0,0,0,0)',
        font: { family: font, color: fg, size: 11 },
        margin: { l: 56, r: 12, t: 30, b: 36 },
        legend: { orientation: 'h' as const, x: 0, y: 1.14, font: { color: fg } },
      },
    };
  };

  const purge = (chart: HTMLElement): void => {
    Plotly.purge(chart);
    replaceChildren(chart);
  };

  const drawCharts = (): void => {
    if (!report) {
      for (const chart of Object.values(plots)) purge(chart);
      return;
    }
    const r = report;
    const t = theme();
    const kind = r.metricKind;
    const scale = kind === 'proportion' ? 100 : 1;
    const unit = kind === 'proportion' ? 'pp' : '';
    const treatments = r.comparisons;
    if (treatments.length > 0) {
      const names = treatments.map((c) => c.variant);
      void Plotly.react(
        plots.intervals,
        [
          {
            type: 'scatter',
            mode: 'markers',
            name: 'always-valid interval',
            x: treatments.map((c) => c.effect * scale),
            y: names,
            marker: { color: runColor(1), size: 6 },
            error_x: {
              type: 'data',
              symmetric: false,
              array: treatments.map((c) =>
                c.sequentialCiHigh === null ? 0 : (c.sequentialCiHigh - c.effect) * scale,
              ),
              arrayminus: treatments.map((c) =>
                c.sequentialCiLow === null ? 0 : (c.effect - c.sequentialCiLow) * scale,
              ),
              color: runColor(1),
              thickness: 1.5,
              width: 10,
            },
            hoverinfo: 'skip',
          },
          {
            type: 'scatter',
            mode: 'markers',
            name: `${Math.round((1 - r.alpha) * 100)}% interval`,
            x: treatments.map((c) => c.effect * scale),
            y: names,
            marker: { color: runColor(0), size: 9 },
            error_x: {
              type: 'data',
              symmetric: false,
              array: treatments.map((c) => (c.ciHigh - c.effect) * scale),
              arrayminus: treatments.map((c) => (c.effect - c.ciLow) * scale),
              color: runColor(0),
              thickness: 4,
              width: 0,
            },
            hovertemplate: `%{y}: %{x:.3f} ${unit}<extra>fixed-horizon</extra>`,
          },
        ],
        {
          ...t.layout,
          title: {
            text: `Effect vs control (${unit || 'difference of means'})`,
            font: { size: 13, color: t.fg },
            x: 0.02,
          },
          height: 110 + 40 * treatments.length,
          showlegend: true,
          xaxis: { ...t.axis, zeroline: true, zerolinecolor: t.fg, zerolinewidth: 1 },
          yaxis: { ...t.axis, type: 'category', automargin: true },
        },
        CONFIG,
      );
    } else purge(plots.intervals);

    const lines = pValueLines(r);
    if (lines.length > 0) {
      const times = lines.flatMap((l) => l.time);
      const first = Math.min(...times);
      const last = Math.max(...times);
      void Plotly.react(
        plots.pvalue,
        [
          ...lines.map((l, i) => ({
            type: 'scatter' as const,
            mode: 'lines+markers' as const,
            name: l.variant,
            x: l.time,
            y: l.pValue,
            customdata: l.n,
            line: { color: runColor(i + 1), width: 2 },
            marker: { size: 4 },
            hovertemplate: `${l.variant}: p %{y:.4g} · n %{customdata}<extra></extra>`,
          })),
          {
            type: 'scatter' as const,
            mode: 'lines' as const,
            name: `α = ${r.alpha}`,
            x: [first, last],
            y: [r.alpha, r.alpha],
            line: { color: t.fg, width: 1, dash: 'dash' },
            hoverinfo: 'skip' as const,
          },
        ],
        {
          ...t.layout,
          title: {
            text: 'Always-valid p-value over time',
            font: { size: 13, color: t.fg },
            x: 0.02,
          },
          height: 240,
          showlegend: true,
          xaxis: { ...t.axis, type: 'date' },
          yaxis: { ...t.axis, type: 'log', title: { text: 'p (log)' }, exponentformat: 'power' },
        },
        CONFIG,
      );
    } else purge(plots.pvalue);

    const bands = allocationBands(r);
    if (bands.length > 0) {
      void Plotly.react(
        plots.allocation,
        bands.map((b, i) => ({
          type: 'scatter' as const,
          mode: 'lines' as const,
          name: b.arm,
          x: b.time,
          y: b.share,
          stackgroup: 'arms',
          line: { color: runColor(i), width: 1, shape: 'hv' as const },
          hovertemplate: `${b.arm}: %{y:.1%}<extra></extra>`,
        })),
        {
          ...t.layout,
          title: {
            text: 'Bandit allocation over time (arm probabilities)',
            font: { size: 13, color: t.fg },
            x: 0.02,
          },
          height: 240,
          showlegend: true,
          hovermode: 'x unified',
          xaxis: { ...t.axis, type: 'date' },
          yaxis: { ...t.axis, range: [0, 1], tickformat: '.0%' },
        },
        CONFIG,
      );
    } else purge(plots.allocation);
  };

  const currentPanel = (r: OnlineReport): HTMLElement => {
    const c = r.current;
    const action = r.concluded ? 'concluded' : c.action;
    return h(
      'section',
      { class: 'current-decision', 'aria-label': 'What the rules say now' },
      h(
        'p',
        {},
        h('span', { class: `badge decision-${action}`, 'data-decision': action }, action),
        ' ',
        r.concluded
          ? 'The experiment has ended (promoted or rolled back). Deploy again to start another.'
          : c.reason,
      ),
    );
  };

  const variantsPanel = (r: OnlineReport): HTMLElement => {
    const open = r.running && !r.concluded;
    const kind = r.metricKind;
    const metric = (x: number | null | undefined): string => formatMetric(x, kind);
    const effect = (x: number | null | undefined): string => formatEffect(x, kind);
    const level = `${Math.round((1 - r.alpha) * 100)}% CI`;
    return h(
      'section',
      { 'aria-label': 'Variants' },
      h('h2', {}, 'Variants'),
      h(
        'div',
        { class: 'table-scroll' },
        table(
          [
            'Variant',
            'Weight',
            'Requests',
            'Feedback',
            `${kind === 'proportion' ? 'Rate' : 'Mean'} [${level}]`,
            `Effect vs control [${level}]`,
            'p-value',
            'Always-valid p',
            'Errors',
            'p99',
            'Guardrails',
          ],
          r.variants.map((v) => {
            const c = r.comparisons.find((x) => x.variant === v.name);
            const guards = guardrailStates(c);
            return {
              className: v.control ? 'control-row' : c?.significant ? 'significant-row' : undefined,
              cells: [
                h(
                  'span',
                  { class: 'variant-name', 'data-variant': v.name },
                  v.name,
                  v.control ? h('span', { class: 'badge alias' }, 'control') : null,
                  h('span', { class: 'muted ci' }, `${v.model} v${v.version}`),
                ),
                String(v.weight),
                String(v.requests),
                String(v.n),
                h(
                  'span',
                  {},
                  metric(v.mean),
                  h('span', { class: 'muted ci' }, formatInterval(v.ciLow, v.ciHigh, metric)),
                ),
                c
                  ? h(
                      'span',
                      {},
                      effect(c.effect),
                      h('span', { class: 'muted ci' }, formatInterval(c.ciLow, c.ciHigh, effect)),
                    )
                  : v.control
                    ? 'baseline'
                    : '–',
                h(
                  'span',
                  { class: 'p-value', 'data-p': c ? String(c.pValue) : '' },
                  formatPValue(c?.pValue),
                ),
                h(
                  'span',
                  {
                    class: `p-value sequential${c?.significant ? ' significant' : ''}`,
                    'data-p': c ? String(c.sequentialPValue) : '',
                  },
                  formatPValue(c?.sequentialPValue),
                ),
                v.errorRate === null ? '–' : formatPercent(v.errorRate),
                v.p99Ms === null ? '–' : formatMs(v.p99Ms),
                v.control
                  ? h('span', { class: 'muted' }, 'reference')
                  : guards.length === 0
                    ? h('span', { class: 'muted' }, c ? 'none declared' : 'waiting')
                    : h(
                        'span',
                        { class: 'badges' },
                        ...guards.map((g) =>
                          h(
                            'span',
                            {
                              class: `badge guard-${g.state}`,
                              'data-guardrail': g.metric,
                              title: g.detail,
                            },
                            `${g.state === 'pass' ? '✓' : '✗'} ${g.label}`,
                          ),
                        ),
                      ),
              ],
            };
          }),
          'data variants-table',
        ),
      ),
      h(
        'div',
        { class: 'actions experiment-actions' },
        ...r.variants
          .filter((v) => !v.control)
          .flatMap((v) => [
            actionButton(
              { type: MessageType.ExperimentAction, action: 'promote', variant: v.name },
              open,
              false,
              `Move the champion alias to ${v.model} version ${v.version} and send it all traffic`,
            ),
            actionButton(
              { type: MessageType.ExperimentAction, action: 'stop', variant: v.name },
              open && v.weight > 0,
              true,
              `Send no more traffic to ${v.name}`,
            ),
          ]),
        actionButton(
          { type: MessageType.ExperimentAction, action: 'rollback' },
          open,
          true,
          'All traffic back to the control; the experiment ends',
        ),
        promotionToRollBack
          ? actionButton(
              { type: MessageType.ExperimentAction, action: 'undoPromotion' },
              r.running,
              true,
              'Reverse the promotion: the alias and the traffic back',
            )
          : null,
        open
          ? null
          : h(
              'span',
              { class: 'muted' },
              r.concluded ? 'The experiment has ended.' : 'Start the deployment to act on it.',
            ),
      ),
    );
  };

  const confirmPanel = (r: OnlineReport): HTMLElement | null => {
    if (!pending) return null;
    const action = pending;
    return h(
      'div',
      { class: 'confirm', role: 'alertdialog', 'aria-label': 'Confirm' },
      h('p', {}, confirmation(action, r)),
      h(
        'div',
        { class: 'actions' },
        h(
          'button',
          {
            'data-action': 'confirm',
            onclick: () => {
              pending = undefined;
              bridge.post(action);
              draw();
            },
          },
          VERBS[action.action],
        ),
        h(
          'button',
          {
            class: 'secondary',
            'data-action': 'cancel',
            onclick: () => {
              pending = undefined;
              draw();
            },
          },
          'Cancel',
        ),
      ),
    );
  };

  const planPanel = (r: OnlineReport): HTMLElement => {
    const progress = planProgress(r);
    return h(
      'section',
      { 'aria-label': 'Sample size' },
      h('h2', {}, 'Sample size'),
      progress.length === 0
        ? h(
            'p',
            { class: 'muted' },
            'No plan declared. Add ',
            h('code', {}, 'plan: { minimum_effect: 0.05 }'),
            ' to the experiment for a sample-size estimate at its power.',
          )
        : h(
            'div',
            {},
            h(
              'p',
              { class: 'plan-summary' },
              r.plan
                ? `${r.plan.controlN} units for the control and ${r.plan.treatmentN} per treatment detect a standardized effect of ${r.plan.effectSize.toFixed(3)} with power ${Math.round(r.plan.power * 100)}% at α ${r.plan.alpha}.`
                : `${r.plannedPerVariant} units per variant.`,
            ),
            ...progress.map((p) =>
              h(
                'div',
                { class: 'plan-row', 'data-variant': p.variant },
                h('span', { class: 'plan-name' }, p.variant),
                h('progress', {
                  max: '1',
                  value: String(p.share),
                  'aria-label': `${p.variant}: ${p.n} of ${p.goal}`,
                }),
                h('span', { class: 'muted' }, `${p.n} / ${p.goal} (${Math.round(p.share * 100)}%)`),
              ),
            ),
          ),
    );
  };

  const evidence = (d: OnlineDecision, kind: string): HTMLElement | null => {
    const e = d.evidence;
    if (!e) return null;
    return h(
      'details',
      { class: 'evidence' },
      h('summary', {}, 'Evidence'),
      table(
        [
          'Variant',
          'Feedback',
          kind === 'proportion' ? 'Rate' : 'Mean',
          'Effect',
          'p-value',
          'Always-valid p',
        ],
        e.variants.map((v) => {
          const c = e.comparisons.find((x) => x.variant === v.name);
          return {
            cells: [
              v.name,
              String(v.n),
              formatMetric(v.mean, kind),
              c ? formatEffect(c.effect, kind) : 'baseline',
              c ? formatPValue(c.pValue) : '–',
              c ? formatPValue(c.sequentialPValue) : '–',
            ],
          };
        }),
        'data evidence-table',
      ),
    );
  };

  const decisionsPanel = (r: OnlineReport): HTMLElement =>
    h(
      'section',
      { 'aria-label': 'Decisions' },
      h('h2', {}, 'Decisions'),
      r.decisions.length === 0
        ? h(
            'p',
            { class: 'muted' },
            'No decision taken yet. The rules decide on their schedule, or use Promote, Stop variant or Roll back above.',
          )
        : h(
            'ol',
            { class: 'timeline decisions' },
            ...[...r.decisions]
              .reverse()
              .map((d) =>
                h(
                  'li',
                  { class: `decision decision-${d.action}` },
                  h('span', { class: `badge decision-${d.action}` }, d.action),
                  d.variant ? ` '${d.variant}' ` : ' ',
                  h(
                    'span',
                    { class: 'muted' },
                    `${when(d.time)} · ${d.by === 'sextant' ? 'rules' : d.by}`,
                  ),
                  h('div', {}, d.reason),
                  evidence(d, r.metricKind),
                ),
              ),
          ),
    );

  const emptyPanel = (name: string): HTMLElement[] => [
    h('header', {}, h('h1', {}, `Experiment · ${name}`)),
    error
      ? h('p', { class: 'error' }, error)
      : h(
          'section',
          { class: 'empty-state', 'aria-label': 'No experiment' },
          h('p', {}, `'${name}' has no online experiment.`),
          h(
            'p',
            { class: 'muted' },
            'Add an experiment: block to the deployment in sextant.yaml and deploy it again; feedback posted to POST /v2/sextant/feedback (or sextant feedback import) then judges its variants.',
          ),
          snippet ? h('pre', { class: 'snippet' }, snippet) : null,
        ),
  ];

  const draw = (): void => {
    if (!deployment) return;
    if (!report) {
      replaceChildren(root, ...emptyPanel(deployment));
      drawCharts();
      return;
    }
    const r = report;
    const status = r.concluded ? 'concluded' : r.running ? 'running' : 'stopped';
    replaceChildren(
      root,
      h(
        'header',
        {},
        h(
          'h1',
          {},
          `Experiment · ${r.deployment}`,
          ' ',
          h('span', { class: `badge status-${status}`, 'data-status': status }, status),
        ),
        h(
          'p',
          { class: 'meta' },
          `${r.type === 'ab' ? 'A/B test' : 'Bandit'} on ${r.metric} (${r.metricKind === 'proportion' ? 'a rate' : 'a mean'}, ${r.higherIsBetter ? 'higher' : 'lower'} is better) · α ${r.alpha} · always-valid (mSPRT) decisions`,
        ),
      ),
      noticeLine,
      currentPanel(r),
      confirmPanel(r),
      variantsPanel(r),
      h(
        'section',
        { 'aria-label': 'Charts', class: 'charts experiment-charts' },
        h('figure', { class: 'chart-card', 'aria-label': 'Effect intervals' }, plots.intervals),
        h('figure', { class: 'chart-card', 'aria-label': 'P-value over time' }, plots.pvalue),
        h(
          'figure',
          { class: 'chart-card', 'aria-label': 'Allocation over time' },
          r.allocations.length > 0
            ? plots.allocation
            : h(
                'p',
                { class: 'muted empty-chart' },
                r.type === 'bandit'
                  ? 'No allocation yet: the bandit moves the weights as feedback arrives.'
                  : `A/B test: a fixed split (${r.variants.map((v) => `${v.name} ${v.weight}`).join(' / ')}), no bandit allocation.`,
              ),
        ),
      ),
      r.comparisons.length === 0
        ? h(
            'p',
            { class: 'muted' },
            'No effect yet: the charts fill in once every variant has feedback.',
          )
        : null,
      planPanel(r),
      decisionsPanel(r),
    );
    showNotice();
    drawCharts();
  };

  // Hosts switch themes by changing the body's class and CSS variables: redraw in the new colors.
  new MutationObserver(() => drawCharts()).observe(document.body, {
    attributes: true,
    attributeFilter: ['class', 'style', 'data-vscode-theme-id'],
  });

  bridge.listen((message: HostMessage) => {
    switch (message.type) {
      case MessageType.ExperimentReportSnapshot:
        deployment = message.deployment;
        report = message.report;
        snippet = message.snippet;
        error = message.error;
        promotionToRollBack = message.promotionToRollBack === true;
        state.deployment = deployment;
        bridge.setState(state);
        draw();
        return;
      case MessageType.ExperimentNotice:
        notice = { level: message.level, message: message.message };
        showNotice();
        return;
      default:
        console.warn('sextant experiment report: ignored message', message.type);
    }
  });
  bridge.post({ type: MessageType.Ready });
}
