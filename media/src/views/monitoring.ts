/**
 * The monitoring dashboard of one deployment: the monitor's drift heatmap (feature × window,
 * coloured by how far each score is past its threshold, drifted cells marked, the legend always
 * shown), the reference vs current histogram of a feature picked there or in a picker, performance
 * from feedback per window, the latency and error SLOs per window, and the alert timeline with the
 * pipeline runs the alerts triggered. Empty states say how to get the data. Pure DOM and Plotly
 * against a {@link Bridge}.
 */
import * as Plotly from 'plotly.js-dist-min';
import type {
  MonitorSummary,
  MonitoringCell,
  MonitoringWindow,
} from '@sextant/language-server/protocol';
import type { Bridge } from '../bridge';
import {
  MessageType,
  type HostMessage,
  type MonitoringHistogramShown,
  type MonitoringSnapshot,
} from '../contract';
import { driftRatio } from '../monitoring';
import { cssVar, runColor } from './charts';
import { h, replaceChildren } from './dom';

/** What the dashboard keeps across reloads. */
export interface MonitoringViewState {
  deployment?: string;
}

const CONFIG = { displaylogo: false, responsive: true, displayModeBar: false };

/** Performance metrics from feedback, in the order they are drawn. */
const PERFORMANCE = ['accuracy', 'f1', 'rmse', 'mae', 'mean_reward'];

/** Heatmap colours from no drift to far past the threshold; the middle one is the threshold. */
const SCALE = ['#1a9850', '#91cf60', '#d9ef8b', '#fee08b', '#fc8d59', '#d73027'];

/** The legend's steps: the ratio of score to threshold each colour starts at. */
const STEPS: { from: number; label: string }[] = [
  { from: 0, label: '< ¼ of threshold' },
  { from: 0.25, label: '¼–½' },
  { from: 0.5, label: '½–1' },
  { from: 1, label: 'drifted: 1–2×' },
  { from: 2, label: '2–4×' },
  { from: 4, label: '> 4×' },
];

/** The colour of a ratio of score to threshold. */
function colourOf(ratio: number): string {
  let index = 0;
  STEPS.forEach((step, i) => {
    if (ratio >= step.from) index = i;
  });
  return SCALE[index]!;
}

const clock = (ms: number): string =>
  new Date(ms).toLocaleString(undefined, {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });

const when = (ms: number): string => new Date(ms).toLocaleString();

/** A number shown short. */
function num(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  if (value !== 0 && Math.abs(value) < 0.001) return value.toExponential(1);
  return Number(value.toPrecision(3)).toString();
}

/** How a cell's test decides, in words. */
function testText(cell: MonitoringCell): string {
  if (!cell.method) return 'no values in this window';
  const rule =
    cell.scoreKind === 'p-value'
      ? `p-value ${num(cell.score)}, drift below ${cell.threshold}`
      : `distance ${num(cell.score)}, drift at ${cell.threshold} or more`;
  return `${cell.method}: ${rule}`;
}

/** Mounts the monitoring dashboard in `root`. */
export function mountMonitoring(root: HTMLElement, bridge: Bridge): void {
  const state: MonitoringViewState = bridge.getState<MonitoringViewState>() ?? {};
  let snapshot: MonitoringSnapshot | undefined;
  let histogram: MonitoringHistogramShown | undefined;

  const plots = new Map<string, HTMLElement>();
  const plot = (id: string, label: string): HTMLElement => {
    let chart = plots.get(id);
    if (!chart) {
      chart = h('div', { class: 'chart', 'data-plot': id });
      plots.set(id, chart);
    }
    return h('figure', { class: 'chart-card', 'aria-label': label }, chart);
  };
  new ResizeObserver(() => {
    for (const chart of plots.values()) {
      if (chart.isConnected && chart.childElementCount > 0) Plotly.Plots.resize(chart);
    }
  }).observe(root);

  const layout = (title: string, yTitle: string): Plotly.Layout => {
    const fg = cssVar('--vscode-editor-foreground', '#333');
    const grid = cssVar('--vscode-editorWidget-border', 'rgba(128,128,128,0.3)');
    const font = cssVar('--vscode-font-family', 'sans-serif');
    const axis = { color: fg, gridcolor: grid, zerolinecolor: grid, linecolor: grid };
    return {
      title: { text: title, font: { size: 13, color: fg }, x: 0.02 },
      paper_bgcolor: 'rgba(0,0,0,0)',
      plot_bgcolor: 'rgba(0,0,0,0)',
      font: { family: font, color: fg, size: 11 },
      margin: { l: 48, r: 12, t: 32, b: 40 },
      height: 240,
      showlegend: true,
      legend: { orientation: 'h', x: 1, xanchor: 'right', y: 1.18, font: { color: fg } },
      hovermode: 'x unified',
      xaxis: { ...axis, type: 'date' },
      yaxis: { ...axis, title: { text: yTitle }, rangemode: 'tozero' },
    };
  };

  /** A dashed horizontal line at an objective, labelled SLO. */
  const objective = (l: Plotly.Layout, y: number): void => {
    const colour = cssVar('--vscode-errorForeground', '#c72e0f');
    l['shapes'] = [
      {
        type: 'line',
        xref: 'paper',
        x0: 0,
        x1: 1,
        y0: y,
        y1: y,
        line: { color: colour, width: 1.5, dash: 'dash' },
      },
    ];
    l['annotations'] = [
      {
        xref: 'paper',
        x: 1,
        y,
        text: `SLO ${num(y)}`,
        showarrow: false,
        xanchor: 'right',
        yanchor: 'bottom',
        font: { color: colour, size: 10 },
      },
    ];
  };

  const header = (s: MonitoringSnapshot): HTMLElement => {
    const monitor = s.monitors.find((m) => m.name === s.monitor);
    const picker =
      s.monitors.length > 1
        ? h(
            'label',
            {},
            'Monitor ',
            h(
              'select',
              {
                'data-action': 'monitor',
                onchange: (event: Event) =>
                  bridge.post({
                    type: MessageType.SelectMonitor,
                    monitor: (event.target as HTMLSelectElement).value,
                  }),
              },
              ...s.monitors.map((m) =>
                h('option', { value: m.name, selected: m.name === s.monitor }, m.name),
              ),
            ),
          )
        : null;
    const firing = s.rules.filter((r) => r.firing);
    return h(
      'header',
      {},
      h('h1', {}, `Monitoring · ${s.deployment}`),
      picker,
      firing.length > 0
        ? h(
            'span',
            { class: 'badges', 'data-firing': String(firing.length) },
            ...firing.map((r) =>
              h('span', { class: `badge alert-${r.severity}` }, `${r.name} firing`),
            ),
          )
        : s.monitors.length > 0
          ? h('span', { class: 'badge status-running' }, 'no alert firing')
          : null,
      monitor ? h('p', { class: 'meta muted' }, monitorMeta(monitor, s.windows)) : null,
    );
  };

  const monitorMeta = (m: MonitorSummary, windows: readonly MonitoringWindow[]): string => {
    const newest = windows[windows.length - 1];
    const size = /^\d+$/.test(m.window) ? `${m.window} requests` : m.window;
    return [
      `Monitor ${m.name} of variant ${m.variant}`,
      `windows of ${size}`,
      newest?.model ? `serving ${newest.model} v${newest.version}` : '',
      newest ? `last checked ${when(newest.checkedTime)}` : '',
    ]
      .filter(Boolean)
      .join(' · ');
  };

  const noMonitor = (s: MonitoringSnapshot): HTMLElement =>
    h(
      'section',
      { class: 'empty-state', 'data-empty': 'no-monitor' },
      h('p', {}, `No monitor watches ${s.deployment}. Declare one in sextant.yaml:`),
      h(
        'pre',
        { class: 'snippet' },
        `monitors:\n  inputs:\n    deployment: ${s.deployment}\n    window: 1000        # requests, or a duration: 1h\n    slo:\n      p99_latency_ms: 200\n      error_rate: 0.01\nalerts:\n  drift:\n    monitor: inputs\n    metric: drift_share\n    threshold: 0.5\n    severity: critical`,
      ),
      h(
        'p',
        { class: 'muted' },
        'Then give the served version a reference profile: ',
        h('code', {}, 'sextant monitor reference models:/<model>/<version> --data train.csv'),
        '.',
      ),
    );

  const noWindow = (s: MonitoringSnapshot): HTMLElement =>
    h(
      'section',
      { class: 'empty-state', 'data-empty': 'no-window' },
      h('p', {}, `No window of ${s.monitor} was checked yet.`),
      h(
        'ol',
        {},
        h(
          'li',
          {},
          'Give the served version a reference profile: ',
          h('code', {}, 'sextant monitor reference models:/<model>/<version> --data train.csv'),
        ),
        h('li', {}, `Send traffic to ${s.deployment}.`),
        h(
          'li',
          {},
          'Wait for the scheduled check of a running deployment, or run one now: ',
          h('code', {}, `sextant monitor run ${s.monitor ?? '<monitor>'}`),
        ),
      ),
    );

  const heatmap = (s: MonitoringSnapshot): HTMLElement => {
    const windows = s.windows;
    const picked = histogram;
    const methods = new Map<string, MonitoringCell>();
    for (const w of windows) for (const c of w.cells) if (c.method) methods.set(c.method, c);
    const legend = h(
      'div',
      { class: 'heatmap-legend', 'aria-label': 'Legend of the drift heatmap' },
      h('span', { class: 'muted' }, 'Score against its threshold:'),
      ...STEPS.map((step, i) =>
        h(
          'span',
          { class: 'legend-step' },
          h('span', { class: 'swatch', style: `background:${SCALE[i]}` }),
          step.label,
        ),
      ),
      h('span', { class: 'legend-step' }, h('span', { class: 'drift-mark' }, '▲'), 'drifted'),
      h('span', { class: 'legend-step' }, h('span', { class: 'swatch untested' }), 'not tested'),
      h(
        'span',
        { class: 'muted thresholds' },
        [...methods.values()]
          .map((c) =>
            c.scoreKind === 'p-value'
              ? `${c.method}: p < ${c.threshold}`
              : `${c.method}: ≥ ${c.threshold}`,
          )
          .join(' · '),
      ),
    );
    const grid = h(
      'table',
      { class: 'heatmap', 'aria-label': 'Drift by feature and window' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'Feature'),
          ...windows.map((w) =>
            h(
              'th',
              {
                scope: 'col',
                class: 'window-head',
                title: `Window ${w.id}: ${when(w.start)} – ${when(w.end)}, ${w.requests} requests, drift share ${num(w.metrics['drift_share'])}`,
              },
              clock(w.end),
            ),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        ...s.features.map((feature) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, feature),
            ...windows.map((w) => {
              const cell = w.cells.find((c) => c.feature === feature);
              const ratio = cell ? driftRatio(cell) : null;
              const selected = picked?.feature === feature && picked.window === w.id;
              return h(
                'td',
                {
                  class: `cell${cell?.drifted ? ' drifted' : ''}${ratio === null ? ' untested' : ''}${selected ? ' selected' : ''}`,
                  style: ratio === null ? undefined : `background:${colourOf(ratio)}`,
                  'data-feature': feature,
                  'data-window': String(w.id),
                  'data-drifted': cell?.drifted ? 'true' : 'false',
                  title: `${feature} · window ${w.id} (${clock(w.end)})\n${cell ? testText(cell) : 'not monitored'}${cell?.drifted ? '\nDRIFTED' : ''}${cell && cell.missingShare > 0 ? `\nmissing ${num(cell.missingShare * 100)}%` : ''}`,
                },
                h(
                  'button',
                  {
                    class: 'cell-button',
                    'aria-label': `${feature} in window ${w.id}: ${cell ? testText(cell) : 'not monitored'}${cell?.drifted ? ', drifted' : ''}`,
                    onclick: () =>
                      bridge.post({
                        type: MessageType.SelectMonitoringFeature,
                        feature,
                        window: w.id,
                      }),
                  },
                  cell?.drifted ? '▲' : '',
                ),
              );
            }),
          ),
        ),
      ),
    );
    const drifted = windows[windows.length - 1]?.cells.filter((c) => c.drifted).length ?? 0;
    return h(
      'section',
      { 'aria-label': 'Drift' },
      h('h2', {}, 'Drift'),
      h(
        'p',
        { class: 'muted' },
        `${s.features.length} feature${s.features.length === 1 ? '' : 's'} × ${windows.length} window${windows.length === 1 ? '' : 's'}, oldest left; newest window: ${drifted} drifted. Pick a cell for its histogram.`,
      ),
      legend,
      h('div', { class: 'heatmap-scroll' }, grid),
    );
  };

  const histogramPanel = (s: MonitoringSnapshot): HTMLElement => {
    const current = histogram;
    const window = s.windows.find((w) => w.id === current?.window);
    const picker = h(
      'select',
      {
        'aria-label': 'Feature',
        'data-action': 'feature',
        onchange: (event: Event) =>
          bridge.post({
            type: MessageType.SelectMonitoringFeature,
            feature: (event.target as HTMLSelectElement).value,
            ...(current ? { window: current.window } : {}),
          }),
      },
      ...s.features.map((f) => h('option', { value: f, selected: f === current?.feature }, f)),
    );
    const cell = window?.cells.find((c) => c.feature === current?.feature);
    return h(
      'section',
      { 'aria-label': 'Reference vs current' },
      h('h2', {}, 'Reference vs current'),
      h(
        'div',
        { class: 'toolbar' },
        h('label', {}, 'Feature ', picker),
        window
          ? h(
              'span',
              { class: 'muted', 'data-histogram-window': String(window.id) },
              `window ${window.id}, ${clock(window.start)} – ${clock(window.end)}${cell ? ` · ${testText(cell)}${cell.drifted ? ' · drifted' : ''}` : ''}`,
            )
          : null,
      ),
      current?.error ? h('p', { class: 'notice error' }, current.error) : null,
      plot('histogram', 'Reference vs current histogram'),
    );
  };

  const drawHistogram = (): void => {
    const chart = plots.get('histogram');
    const data = histogram?.histogram;
    if (!chart || !chart.isConnected) return;
    if (!data) {
      Plotly.purge(chart);
      replaceChildren(chart);
      return;
    }
    // Numerical bins sit at their middles on a numeric axis; categories each get a bar.
    const numeric = data.bins.every((b) => b.lo !== undefined && b.hi !== undefined);
    const x = numeric ? data.bins.map((b) => (b.lo! + b.hi!) / 2) : data.bins.map((b) => b.label);
    const bars = (
      side: 'reference' | 'current',
      colour: string,
      name: string,
    ): Plotly.BarTrace => ({
      type: 'bar',
      name,
      x,
      y: data.bins.map((b) => b[side]),
      marker: { color: colour },
      hovertemplate: numeric
        ? `${name} around %{x:.3g}: %{y:.1%}<extra></extra>`
        : `${name} %{x}: %{y:.1%}<extra></extra>`,
    });
    const l = layout(data.feature, 'share');
    l['xaxis'] = {
      ...(l['xaxis'] as object),
      type: numeric ? 'linear' : 'category',
      automargin: true,
      title: { text: data.feature },
    };
    l['yaxis'] = { ...(l['yaxis'] as object), tickformat: '.0%' };
    l['hovermode'] = 'closest';
    l['barmode'] = 'group';
    l['bargap'] = 0.1;
    l['height'] = 280;
    void Plotly.react(
      chart,
      [
        bars('reference', runColor(0), `reference (${data.referenceCount})`),
        bars('current', runColor(1), `current (${data.currentCount})`),
      ],
      l,
      CONFIG,
    );
  };

  const series = (
    windows: readonly MonitoringWindow[],
    key: string,
    name: string,
    index: number,
  ): Plotly.Trace => ({
    type: 'scatter',
    mode: 'lines+markers',
    name,
    x: windows.map((w) => w.end),
    y: windows.map((w) => w.metrics[key] ?? null),
    line: { color: runColor(index), width: 2 },
    marker: { color: runColor(index), size: 6 },
    hovertemplate: `${name} %{y}<extra></extra>`,
  });

  const performancePanel = (s: MonitoringSnapshot): HTMLElement => {
    const keys = PERFORMANCE.filter((k) => s.windows.some((w) => typeof w.metrics[k] === 'number'));
    return h(
      'section',
      { 'aria-label': 'Performance' },
      h('h2', {}, 'Performance'),
      keys.length === 0
        ? h(
            'p',
            { class: 'muted', 'data-empty': 'no-feedback' },
            'No feedback joined to these windows yet. Send outcomes (label, reward or value) by request id to the deployment, or import a file: ',
            h('code', {}, `sextant feedback import outcomes.csv --deployment ${s.deployment}`),
            '.',
          )
        : h(
            'div',
            { class: 'charts monitoring-charts' },
            keys.some((k) => k !== 'rmse' && k !== 'mae')
              ? plot('performance', 'Accuracy, F1 and reward per window')
              : null,
            keys.includes('rmse') || keys.includes('mae')
              ? plot('errors', 'RMSE and MAE per window')
              : null,
          ),
    );
  };

  const sloPanel = (s: MonitoringSnapshot): HTMLElement => {
    const monitor = s.monitors.find((m) => m.name === s.monitor);
    const slo = monitor?.slo;
    const breached = s.windows.filter((w) => w.metrics['slo_breached'] === 1).length;
    return h(
      'section',
      { 'aria-label': 'Service levels' },
      h('h2', {}, 'Latency and errors'),
      h(
        'p',
        { class: 'muted' },
        slo
          ? `Objectives: ${[
              slo.p99LatencyMs !== undefined ? `p99 latency ≤ ${slo.p99LatencyMs} ms` : '',
              slo.errorRate !== undefined ? `error rate ≤ ${num(slo.errorRate * 100)}%` : '',
            ]
              .filter(Boolean)
              .join(', ')} · breached in ${breached} of ${s.windows.length} windows.`
          : 'No objectives set: add `slo: { p99_latency_ms, error_rate }` to the monitor.',
      ),
      h(
        'div',
        { class: 'charts monitoring-charts' },
        plot('latency', 'Latency per window'),
        plot('error-rate', 'Error rate per window'),
      ),
    );
  };

  const drawSeries = (s: MonitoringSnapshot): void => {
    const monitor = s.monitors.find((m) => m.name === s.monitor);
    const draw = (id: string, title: string, y: string, traces: Plotly.Trace[], slo?: number) => {
      const chart = plots.get(id);
      if (!chart?.isConnected) return;
      const l = layout(title, y);
      if (slo !== undefined) objective(l, slo);
      void Plotly.react(chart, traces, l, CONFIG);
    };
    const w = s.windows;
    draw(
      'performance',
      'Performance from feedback',
      '',
      ['accuracy', 'f1', 'mean_reward']
        .filter((k) => w.some((x) => typeof x.metrics[k] === 'number'))
        .map((k, i) => series(w, k, k, i)),
    );
    draw(
      'errors',
      'Regression error',
      '',
      ['rmse', 'mae']
        .filter((k) => w.some((x) => typeof x.metrics[k] === 'number'))
        .map((k, i) => series(w, k, k, i + 3)),
    );
    draw(
      'latency',
      'Latency',
      'ms',
      [
        series(w, 'p50_latency_ms', 'p50', 0),
        series(w, 'p95_latency_ms', 'p95', 1),
        series(w, 'p99_latency_ms', 'p99', 2),
      ],
      monitor?.slo?.p99LatencyMs,
    );
    draw(
      'error-rate',
      'Error rate',
      'share',
      [series(w, 'error_rate', 'error rate', 3)],
      monitor?.slo?.errorRate,
    );
  };

  const alertsPanel = (s: MonitoringSnapshot): HTMLElement => {
    const events = [...s.alerts].reverse();
    return h(
      'section',
      { 'aria-label': 'Alerts' },
      h('h2', {}, 'Alerts'),
      s.rules.length === 0
        ? h(
            'p',
            { class: 'muted', 'data-empty': 'no-rules' },
            'No alert rule watches this deployment: add one under `alerts:` in sextant.yaml (metric, threshold, for N windows, severity).',
          )
        : h(
            'p',
            { class: 'muted' },
            `Rules: ${s.rules
              .map(
                (r) =>
                  `${r.name} (${r.metric} ${r.op} ${r.threshold}${r.for > 1 ? ` for ${r.for} windows` : ''}, ${r.severity})`,
              )
              .join(' · ')}`,
          ),
      events.length === 0
        ? h('p', { class: 'muted', 'data-empty': 'no-alerts' }, 'No alert has fired.')
        : h(
            'ol',
            { class: 'timeline alert-timeline' },
            ...events.map((e) => {
              const run = s.triggered[e.id];
              const drifted = e.evidence['driftedFeatures'];
              return h(
                'li',
                { class: `alert-${e.state}`, 'data-alert': String(e.id), 'data-state': e.state },
                h(
                  'span',
                  { class: `badge state-${e.state} alert-${e.severity}` },
                  e.state === 'firing' ? `${e.severity} · firing` : 'resolved',
                ),
                ' ',
                h('strong', {}, e.rule),
                ` · ${when(e.time)} · value ${num(e.value)} against ${e.threshold}`,
                Array.isArray(drifted) && drifted.length > 0
                  ? ` · drifted: ${drifted.join(', ')}`
                  : '',
                e.user !== 'sextant' ? ` · checked by ${e.user}` : '',
                run
                  ? h(
                      'div',
                      {},
                      h(
                        'button',
                        {
                          class: 'link',
                          'data-action': 'open-triggered-run',
                          onclick: () => bridge.post({ type: MessageType.OpenTriggeredRun, run }),
                        },
                        `Open the triggered pipeline run: ${run.pipeline}`,
                      ),
                    )
                  : null,
              );
            }),
          ),
    );
  };

  const draw = (): void => {
    const s = snapshot;
    if (!s) return;
    for (const chart of plots.values()) Plotly.purge(chart);
    plots.clear();
    if (!s.monitor) {
      replaceChildren(root, header(s), noMonitor(s));
      return;
    }
    if (s.windows.length === 0) {
      replaceChildren(root, header(s), noWindow(s), alertsPanel(s));
      return;
    }
    replaceChildren(
      root,
      header(s),
      heatmap(s),
      histogramPanel(s),
      performancePanel(s),
      sloPanel(s),
      alertsPanel(s),
    );
    drawHistogram();
    drawSeries(s);
  };

  // Hosts switch themes by changing the body's class and CSS variables: redraw in the new colors.
  new MutationObserver(() => draw()).observe(document.body, {
    attributes: true,
    attributeFilter: ['class', 'style', 'data-vscode-theme-id'],
  });

  bridge.listen((message: HostMessage) => {
    switch (message.type) {
      case MessageType.MonitoringSnapshot:
        snapshot = message;
        histogram = message.histogram;
        state.deployment = message.deployment;
        bridge.setState(state);
        draw();
        return;
      case MessageType.MonitoringHistogramShown:
        histogram = message;
        draw();
        return;
      default:
        console.warn('sextant monitoring view: ignored message', message.type);
    }
  });
  bridge.post({ type: MessageType.Ready });
}
