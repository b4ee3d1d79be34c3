/**
 * The deployment dashboard: status and URL; the traffic split with a slider (two variants) or a
 * weight per variant, Promote and Roll back; live charts per variant (throughput, latency p50 and
 * p99, errors, batch size, replicas) and the figures of the window; a Send test request panel
 * prefilled from the input example, showing the response and its latency; the latest logged
 * requests; and the event timeline. Pure DOM against a {@link Bridge}.
 */
import * as Plotly from 'plotly.js-dist-min';
import type {
  OnlineExperimentSummary,
  ServingEvent,
  ServingGetResult,
  ServingLoggedRequest,
  ServingPredictResult,
  ServingStatsResult,
} from '@sextant/language-server/protocol';
import type { Bridge } from '../bridge';
import { MessageType, type HostMessage } from '../contract';
import { canaryWeights, formatMs, formatPercent, formatRate, trafficShares } from '../deployments';
import { cssVar, runColor } from './charts';
import { h, replaceChildren, table } from './dom';

/** What the dashboard keeps across reloads. */
export interface DeploymentViewState {
  name?: string;
  /** The test request as last edited. */
  body?: string;
}

const CONFIG = { displaylogo: false, responsive: true, displayModeBar: false };

/** The live charts: title, y axis, and what each variant draws. */
const CHARTS: {
  id: string;
  title: string;
  y: string;
  traces: (
    s: ServingStatsResult['variants'][number],
  ) => { suffix: string; y: (number | null)[]; dash?: string }[];
}[] = [
  {
    id: 'throughput',
    title: 'Throughput',
    y: 'req/s',
    traces: (v) => [{ suffix: '', y: v.series.requests }],
  },
  {
    id: 'latency',
    title: 'Latency p50 / p99',
    y: 'ms',
    traces: (v) => [
      { suffix: ' p50', y: v.series.p50Ms, dash: 'dot' },
      { suffix: ' p99', y: v.series.p99Ms },
    ],
  },
  {
    id: 'errors',
    title: 'Errors (5xx)',
    y: 'per s',
    traces: (v) => [{ suffix: '', y: v.series.errors }],
  },
  {
    id: 'batch',
    title: 'Batch size',
    y: 'requests',
    traces: (v) => [{ suffix: '', y: v.series.batchSize }],
  },
  {
    id: 'replicas',
    title: 'Replicas ready',
    y: 'replicas',
    traces: (v) => [{ suffix: '', y: v.series.replicas }],
  },
];

const when = (ms: number): string => new Date(ms).toLocaleString();
const clock = (ms: number): string => new Date(ms).toLocaleTimeString();

/** A JSON text shown short: the first `max` characters. */
const short = (text: string | undefined, max = 80): string =>
  text === undefined ? '' : text.length > max ? `${text.slice(0, max)}…` : text;

/** Pretty JSON when it parses, else the text. */
function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** What an event changed, in words. */
function eventText(e: ServingEvent): string {
  const d = e.details as Record<string, unknown>;
  const weights = Object.entries(e.weights)
    .map(([v, w]) => `${v} ${w}`)
    .join(' / ');
  switch (e.kind) {
    case 'promote':
    case 'rollback':
      return `${String(d.model)}@${String(d.alias)}: version ${String(d.from)} → ${String(d.to)} · traffic ${weights}`;
    case 'scale':
      return `replicas ${String(d.from ?? '?')} → ${String(d.to)}`;
    case 'replica_crash':
      return `variant ${String(d.variant)}: replica ${String(d.replica)} ${String(d.kind)}`;
    case 'auto_rollback':
      return `variant ${String(d.variant)} passed its limits · traffic ${weights}`;
    default:
      return `traffic ${weights}`;
  }
}

/** Mounts the deployment dashboard in `root`. */
export function mountDeployment(root: HTMLElement, bridge: Bridge): void {
  const state: DeploymentViewState = bridge.getState<DeploymentViewState>() ?? {};
  const save = (next: Partial<DeploymentViewState>): void => {
    Object.assign(state, next);
    bridge.setState(state);
  };
  let page: ServingGetResult | undefined;
  let experiment: OnlineExperimentSummary | undefined;
  let requests: ServingLoggedRequest[] = [];
  let stats: ServingStatsResult | null = null;
  let predicted: { result?: ServingPredictResult; error?: string } | undefined;
  let notice: { level: string; message: string } | undefined;
  let sending = false;
  /**
   * Counts redraws: a control replaced by a redraw loses focus and may fire `change` as it goes
   * (a range input does in Chromium); its handler then acts only if it is still the drawn one.
   */
  let generation = 0;

  const noticeLine = h('p', { class: 'notice', role: 'status', 'aria-live': 'polite' });
  const figures = h('div', { class: 'live-figures' });
  const chartElements = new Map<string, HTMLElement>();
  const chartGrid = h(
    'div',
    { class: 'charts deployment-charts' },
    ...CHARTS.map((c) => {
      const chart = h('div', { class: 'chart', 'data-plot': c.id });
      chartElements.set(c.id, chart);
      return h('figure', { class: 'chart-card', 'aria-label': c.title }, chart);
    }),
  );
  new ResizeObserver(() => {
    for (const chart of chartElements.values()) {
      if (chart.childElementCount > 0) Plotly.Plots.resize(chart);
    }
  }).observe(chartGrid);

  const showNotice = (): void => {
    noticeLine.className = `notice ${notice?.level ?? ''}`;
    noticeLine.textContent = notice?.message ?? '';
  };

  const drawCharts = (): void => {
    if (!stats) {
      for (const chart of chartElements.values()) {
        Plotly.purge(chart);
        // Emptied, so the resize observer sees no plot to resize.
        replaceChildren(chart);
      }
      replaceChildren(
        figures,
        h('p', { class: 'muted' }, 'Live figures show while the deployment runs.'),
      );
      return;
    }
    const fg = cssVar('--vscode-editor-foreground', '#333');
    const grid = cssVar('--vscode-editorWidget-border', 'rgba(128,128,128,0.3)');
    const font = cssVar('--vscode-font-family', 'sans-serif');
    const axis = { color: fg, gridcolor: grid, zerolinecolor: grid, linecolor: grid };
    const x = stats.seconds;
    for (const c of CHARTS) {
      const traces: Plotly.Trace[] = stats.variants.flatMap((v, i) =>
        c.traces(v).map((t) => ({
          type: 'scatter',
          mode: 'lines',
          name: `${v.variant}${t.suffix}`,
          x,
          y: t.y,
          connectgaps: false,
          line: {
            color: runColor(i),
            width: 2,
            ...(t.dash ? { dash: t.dash } : {}),
            shape: c.id === 'replicas' ? 'hv' : 'linear',
          },
          hovertemplate: `${v.variant}${t.suffix} %{y}<extra></extra>`,
        })),
      );
      void Plotly.react(
        chartElements.get(c.id)!,
        traces,
        {
          title: { text: c.title, font: { size: 13, color: fg }, x: 0.02 },
          paper_bgcolor: 'rgba(0,0,0,0)',
          plot_bgcolor: 'rgba(0,0,0,0)',
          font: { family: font, color: fg, size: 11 },
          margin: { l: 44, r: 8, t: 30, b: 30 },
          height: 200,
          showlegend: true,
          legend: { orientation: 'h', x: 0, y: 1.12, font: { color: fg } },
          hovermode: 'x unified',
          xaxis: { ...axis, type: 'date' },
          yaxis: { ...axis, title: { text: c.y }, rangemode: 'tozero' },
        },
        CONFIG,
      );
    }
    replaceChildren(
      figures,
      table(
        [
          'Variant',
          'Version',
          'Weight',
          'req/s',
          'p50',
          'p90',
          'p99',
          'Errors',
          'Batch',
          'Queue',
          'Replicas',
        ],
        stats.variants.map((v) => ({
          cells: [
            v.variant,
            v.version,
            v.shadow ? 'shadow' : String(v.weight),
            formatRate(v.requestRate),
            formatMs(v.p50Ms),
            formatMs(v.p90Ms),
            formatMs(v.p99Ms),
            `${v.errors} (${formatPercent(v.errorRate)})`,
            v.meanBatchSize === null ? '–' : v.meanBatchSize.toFixed(1),
            String(v.queueDepth),
            `${v.replicasReady}${v.replicasStarting > 0 ? ` (+${v.replicasStarting} starting)` : ''}`,
          ],
        })),
        'data live-table',
      ),
      h(
        'p',
        { class: 'muted' },
        `Over the last ${stats.windowSeconds} s, taken ${clock(stats.time)}.`,
      ),
    );
  };

  const trafficPanel = (p: ServingGetResult): HTMLElement => {
    const d = p.deployment;
    const running = d.status === 'running';
    const served = d.variants.filter((v) => !v.shadow);
    const shares = trafficShares(d.variants);
    const champion = served.find((v) => v.name === d.champion) ?? served[0];
    const canary = served.length === 2 ? served.find((v) => v !== champion) : undefined;
    let control: HTMLElement;
    const drawn = generation;
    if (champion && canary) {
      const label = h('span', { class: 'split-label' });
      const caption = (percent: number): string =>
        `${champion.name} ${100 - percent}% · ${canary.name} ${percent}%`;
      const current = Math.round(shares[canary.name] ?? 0);
      label.textContent = caption(current);
      const slider = h('input', {
        type: 'range',
        min: '0',
        max: '100',
        step: '5',
        value: String(current),
        'aria-label': `Share of traffic to ${canary.name}`,
        'data-action': 'canary-slider',
        disabled: !running,
        oninput: () => (label.textContent = caption(Number(slider.value))),
        onchange: () => {
          if (drawn !== generation || Number(slider.value) === current) return;
          bridge.post({
            type: MessageType.SetDeploymentTraffic,
            weights: canaryWeights(champion.name, canary.name, Number(slider.value)),
          });
        },
      });
      control = h(
        'div',
        { class: 'split' },
        h('span', {}, champion.name),
        slider,
        h('span', {}, canary.name),
        label,
      );
    } else {
      const inputs = served.map((v) =>
        h('input', {
          type: 'number',
          min: '0',
          step: '1',
          value: String(v.weight),
          'aria-label': `Weight of ${v.name}`,
          'data-variant': v.name,
          disabled: !running,
        }),
      );
      control = h(
        'div',
        { class: 'split' },
        ...served.flatMap((v, i) => [h('label', {}, `${v.name} `, inputs[i]!)]),
        served.length > 1
          ? h(
              'button',
              {
                class: 'small',
                disabled: !running,
                onclick: () =>
                  bridge.post({
                    type: MessageType.SetDeploymentTraffic,
                    weights: Object.fromEntries(
                      inputs.map((input) => [input.dataset['variant']!, Number(input.value)]),
                    ),
                  }),
              },
              'Apply',
            )
          : null,
      );
    }
    const lastPromotion = [...p.events]
      .reverse()
      .find((e) => e.kind === 'promote' || e.kind === 'rollback');
    return h(
      'section',
      { class: 'traffic', 'aria-label': 'Traffic' },
      h('h2', {}, 'Traffic'),
      control,
      h(
        'div',
        { class: 'actions' },
        h(
          'button',
          {
            'data-action': 'promote',
            disabled: served.length < 2,
            title: canary
              ? `Move ${champion?.uri ?? 'the alias'} to ${canary.name}'s version and send it all traffic`
              : undefined,
            onclick: () => bridge.post({ type: MessageType.PromoteDeployment }),
          },
          'Promote',
        ),
        h(
          'button',
          {
            class: 'secondary',
            'data-action': 'rollback',
            disabled: lastPromotion?.kind !== 'promote',
            title: 'Reverse the last promotion: the alias and the traffic back',
            onclick: () => bridge.post({ type: MessageType.RollbackDeployment }),
          },
          'Roll back',
        ),
      ),
      d.variants.some((v) => v.shadow)
        ? h(
            'p',
            { class: 'muted' },
            `Shadows: ${d.variants
              .filter((v) => v.shadow)
              .map((v) => v.name)
              .join(', ')}`,
          )
        : null,
    );
  };

  const testPanel = (p: ServingGetResult): HTMLElement => {
    const running = p.deployment.status === 'running';
    const body = h('textarea', {
      class: 'test-body',
      rows: '8',
      spellcheck: 'false',
      'aria-label': 'Request body (JSON)',
    });
    body.value = state.body ?? p.testRequest.body;
    body.addEventListener('input', () => save({ body: body.value }));
    const path = h('input', {
      type: 'text',
      class: 'test-path',
      value: p.testRequest.path,
      'aria-label': 'Path',
    });
    const result = h('div', { class: 'test-result', 'aria-live': 'polite' });
    if (sending) result.append(h('p', { class: 'muted' }, 'Sending…'));
    else if (predicted?.error) result.append(h('p', { class: 'error' }, predicted.error));
    else if (predicted?.result) {
      const r = predicted.result;
      result.append(
        h(
          'p',
          { class: 'meta' },
          h(
            'span',
            {
              class: `badge ${r.status < 400 ? 'deployable' : 'failed'}`,
              'data-status': String(r.status),
            },
            `HTTP ${r.status}`,
          ),
          ' ',
          h('span', { class: 'latency' }, formatMs(r.latencyMs)),
          r.variant ? ` · answered by ${r.variant}` : '',
          r.requestId ? ` · request ${r.requestId}` : '',
        ),
        h('pre', { class: 'test-response' }, pretty(r.body)),
      );
    }
    return h(
      'section',
      { class: 'test-request', 'aria-label': 'Send test request' },
      h('h2', {}, 'Send test request'),
      h(
        'p',
        { class: 'muted' },
        p.testRequest.source === 'none'
          ? 'The model has no input example or signature: write the body.'
          : `Prefilled from the model's ${p.testRequest.source.replace(/_/g, ' ')}.`,
      ),
      h('div', { class: 'toolbar' }, h('label', {}, 'POST ', path)),
      body,
      h(
        'div',
        { class: 'actions' },
        h(
          'button',
          {
            'data-action': 'send',
            disabled: !running || sending,
            onclick: () => {
              sending = true;
              predicted = undefined;
              draw();
              bridge.post({
                type: MessageType.SendTestRequest,
                body: body.value,
                path: path.value,
              });
            },
          },
          'Send',
        ),
        h(
          'button',
          {
            class: 'secondary',
            onclick: () => {
              save({ body: undefined });
              draw();
            },
          },
          'Reset to example',
        ),
        h(
          'button',
          {
            class: 'secondary',
            onclick: () => bridge.post({ type: MessageType.CopyText, text: p.snippets.curl }),
          },
          'Copy curl',
        ),
        h(
          'button',
          {
            class: 'secondary',
            onclick: () => bridge.post({ type: MessageType.CopyText, text: p.snippets.python }),
          },
          'Copy Python',
        ),
      ),
      result,
    );
  };

  const requestsSection = h('section', { 'aria-label': 'Recent requests' });
  const requestsPanel = (): HTMLElement => {
    replaceChildren(
      requestsSection,
      h('h2', {}, 'Recent requests'),
      requests.length === 0
        ? h('p', { class: 'muted' }, 'No request logged yet.')
        : table(
            ['Time', 'Variant', 'Version', 'Status', 'Latency', 'Inputs', 'Outputs'],
            requests.map((r) => ({
              cells: [
                clock(r.time),
                r.variant ?? '',
                r.version,
                String(r.status),
                formatMs(r.latencyMs),
                h('code', { title: r.inputs ?? '' }, short(r.inputs)),
                h('code', { title: r.outputs ?? r.error ?? '' }, short(r.outputs ?? r.error)),
              ],
              className: r.status >= 400 ? 'failed-row' : undefined,
            })),
            'data requests-table',
          ),
    );
    return requestsSection;
  };

  const eventsPanel = (p: ServingGetResult): HTMLElement =>
    h(
      'section',
      { 'aria-label': 'Events' },
      h('h2', {}, 'Events'),
      p.events.length === 0
        ? h('p', { class: 'muted' }, 'Not deployed yet.')
        : h(
            'ol',
            { class: 'timeline' },
            ...[...p.events]
              .reverse()
              .map((e) =>
                h(
                  'li',
                  { class: `event event-${e.kind}` },
                  h('span', { class: 'badge' }, e.kind.replace(/_/g, ' ')),
                  ' ',
                  h('span', { class: 'muted' }, `${when(e.time)} · ${e.user}`),
                  h('div', {}, eventText(e)),
                  e.reason ? h('div', { class: 'muted' }, e.reason) : null,
                ),
              ),
          ),
    );

  const draw = (): void => {
    if (!page) return;
    generation++;
    const d = page.deployment;
    replaceChildren(
      root,
      h(
        'header',
        {},
        h(
          'h1',
          {},
          d.name,
          ' ',
          h('span', { class: `badge status-${d.status}`, 'data-status': d.status }, d.status),
        ),
        h(
          'p',
          { class: 'meta' },
          d.url ? h('code', {}, page.snippets.url) : 'Not serving.',
          ' ',
          d.url
            ? h(
                'button',
                {
                  class: 'link',
                  onclick: () =>
                    bridge.post({ type: MessageType.CopyText, text: page!.snippets.url }),
                },
                'Copy URL',
              )
            : null,
        ),
        h(
          'p',
          { class: 'meta' },
          d.variants
            .map(
              (v) =>
                `${v.name}: ${v.uri} (v${v.version}, ${v.replicas} replica${v.replicas === 1 ? '' : 's'})`,
            )
            .join(' · '),
        ),
        experiment
          ? h(
              'p',
              { class: 'meta' },
              `${experiment.type === 'ab' ? 'A/B test' : 'Bandit'} on ${experiment.metric}${experiment.concluded ? ' (ended)' : ''} · `,
              h(
                'button',
                {
                  class: 'link',
                  'data-action': 'open-experiment',
                  onclick: () => bridge.post({ type: MessageType.OpenExperimentReport }),
                },
                'Open experiment report',
              ),
            )
          : null,
      ),
      noticeLine,
      trafficPanel(page),
      h('section', { 'aria-label': 'Live' }, h('h2', {}, 'Live'), figures, chartGrid),
      testPanel(page),
      requestsPanel(),
      eventsPanel(page),
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
      case MessageType.DeploymentSnapshot:
        if (page && page.deployment.name !== message.page.deployment.name) {
          predicted = undefined;
          save({ body: undefined });
        }
        page = message.page;
        requests = message.requests;
        experiment = message.experiment;
        save({ name: page.deployment.name });
        draw();
        return;
      case MessageType.DeploymentStats:
        stats = message.stats;
        drawCharts();
        return;
      case MessageType.DeploymentRequests:
        requests = message.requests;
        if (page) requestsPanel();
        return;
      case MessageType.DeploymentPredicted:
        sending = false;
        predicted = {
          ...(message.result ? { result: message.result } : {}),
          ...(message.error ? { error: message.error } : {}),
        };
        draw();
        return;
      case MessageType.DeploymentNotice:
        notice = { level: message.level, message: message.message };
        showNotice();
        return;
      default:
        console.warn('sextant deployment view: ignored message', message.type);
    }
  });
  bridge.post({ type: MessageType.Ready });
}
