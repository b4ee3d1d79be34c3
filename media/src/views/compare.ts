/**
 * Run comparison: single-value metrics as a sortable table with the best marked and as bars across
 * the runs, one line chart per series key with the runs overlaid (step or time x, log scale,
 * smoothing), a params table with "only show differences", parallel coordinates of the params
 * against a metric, a scatter of one param against one metric, a metrics summary, and CSV export.
 * Pure DOM against a {@link Bridge}.
 */
import type { RunsCompareResult, SampledSeries } from '@sextant/language-server/protocol';
import type { Bridge } from '../bridge';
import { DEFAULT_CHART_OPTIONS, scatterPoints, type ChartOptions } from '../chart';
import { MessageType, mergeSeries, type HostMessage } from '../contract';
import { compareToCsv } from '../csv';
import { defaultScatterParam, scalarMetricKeys, splitSeries, statsText } from '../metricKinds';
import { ChartGrid, renderScatter, runColor } from './charts';
import { formatDuration, h, replaceChildren, table } from './dom';
import { ParallelChart } from './parallel';
import { drawScalars, type ScalarsState } from './scalars';
import { chartToolbar } from './toolbar';

/** What the comparison view keeps across reloads. */
export interface CompareState {
  chart: ChartOptions;
  onlyDifferences: boolean;
  /** The runs shown, so that the host can restore the view after a reload. */
  runIds?: string[];
  /** The param and metric of the scatter. */
  scatterParam?: string;
  scatterMetric?: string;
  /** The metric the parallel coordinates end on and are colored by. */
  parallelMetric?: string;
  /** The params drawn as parallel axes; the params that differ when absent. */
  parallelAxes?: string[];
  /** Sort and best directions of the scalars table. */
  scalars?: ScalarsState;
}

/** Mounts the comparison view in `root` and tells the host it is ready. */
export function mountCompare(root: HTMLElement, bridge: Bridge): void {
  let state: CompareState = {
    chart: DEFAULT_CHART_OPTIONS,
    onlyDifferences: true,
    ...bridge.getState<CompareState>(),
  };
  let compare: RunsCompareResult | undefined;
  let series: SampledSeries[] = [];

  const header = h(
    'header',
    {},
    h('h1', {}, 'Run comparison'),
    h('p', { class: 'muted' }, 'Loading…'),
  );
  const runsSection = h('section', { 'aria-label': 'Runs' });
  const chartsEl = h('div', { class: 'charts' });
  const grid = new ChartGrid(chartsEl);
  const paramsSection = h('section', { 'aria-label': 'Parameters' });
  const metricsSection = h('section', { 'aria-label': 'Metrics summary' });
  const scalarsSection = h('section', { 'aria-label': 'Scalars' });
  const chartsSection = h('section', { 'aria-label': 'Metric charts' });
  const scatterSection = h('section', { 'aria-label': 'Parameter against metric' });
  const scatterChart = h('div', { class: 'chart', id: 'scatter' });
  const save = (next: CompareState): void => {
    state = next;
    bridge.setState(state);
  };
  const parallel = new ParallelChart({
    onMetric: (key) => save({ ...state, parallelMetric: key }),
    onAxes: (keys) => save({ ...state, parallelAxes: keys }),
    onOpenRun: (runId) => bridge.post({ type: MessageType.OpenRun, runId }),
  });

  const drawCharts = (): void => {
    if (!compare) return;
    const names = new Map(compare.runs.map((r) => [r.runId, r.runName]));
    const { charts, system } = splitSeries(series);
    const drawn = [...charts, ...system];
    chartsSection.hidden = drawn.length === 0;
    grid.render(
      drawn,
      compare.runs.map((r) => r.runId),
      names,
      state.chart,
    );
  };

  const drawScatter = (): void => {
    if (!compare) return;
    const c = compare;
    const preferred = defaultScatterParam(c);
    const paramKeys = [
      ...c.params.filter((p) => p.key === preferred),
      ...c.params.filter((p) => p.differs && p.key !== preferred),
      ...c.params.filter((p) => !p.differs && p.key !== preferred),
    ].map((p) => p.key);
    const metricKeys = c.metrics.map((m) => m.key).filter((k) => !k.startsWith('system/'));
    if (paramKeys.length === 0 || metricKeys.length === 0) {
      replaceChildren(
        scatterSection,
        h('h2', {}, 'Parameter against metric'),
        h('p', { class: 'muted empty' }, 'Needs a parameter and a metric.'),
      );
      return;
    }
    const param =
      state.scatterParam && paramKeys.includes(state.scatterParam)
        ? state.scatterParam
        : paramKeys[0]!;
    const metric =
      state.scatterMetric && metricKeys.includes(state.scatterMetric)
        ? state.scatterMetric
        : metricKeys[0]!;
    const select = (
      id: string,
      label: string,
      keys: string[],
      current: string,
      onPick: (key: string) => void,
    ): Node[] => [
      h('label', { for: id }, `${label} `),
      h(
        'select',
        { id, onchange: (e: Event) => onPick((e.target as HTMLSelectElement).value) },
        ...keys.map((key) => h('option', { value: key, selected: key === current }, key)),
      ),
    ];
    replaceChildren(
      scatterSection,
      h('h2', {}, 'Parameter against metric'),
      h(
        'div',
        { class: 'toolbar' },
        ...select('scatter-param', 'Parameter', paramKeys, param, (key) => {
          save({ ...state, scatterParam: key });
          drawScatter();
        }),
        ...select('scatter-metric', 'Metric (latest)', metricKeys, metric, (key) => {
          save({ ...state, scatterMetric: key });
          drawScatter();
        }),
      ),
      h('figure', { class: 'chart-card scatter-card' }, scatterChart),
    );
    renderScatter(
      scatterChart,
      scatterPoints(c, param, metric),
      c.runs.map((r) => r.runId),
      param,
      metric,
      state.chart.logY,
    );
  };

  const drawTables = (): void => {
    if (!compare) return;
    const c = compare;
    const runLink = (i: number): Node => {
      const run = c.runs[i]!;
      return h(
        'button',
        {
          class: 'link',
          title: run.runId,
          onclick: () => bridge.post({ type: MessageType.OpenRun, runId: run.runId }),
        },
        h('span', { class: 'swatch', style: `background:${runColor(i)}` }),
        run.runName || run.runId.slice(0, 8),
      );
    };
    replaceChildren(
      header,
      h('h1', {}, `Comparing ${c.runs.length} run${c.runs.length === 1 ? '' : 's'}`),
      h(
        'button',
        {
          id: 'export-csv',
          onclick: () =>
            bridge.post({
              type: MessageType.SaveFile,
              fileName: 'sextant-comparison.csv',
              content: compareToCsv(c, state.onlyDifferences),
            }),
        },
        'Export CSV',
      ),
    );
    replaceChildren(
      runsSection,
      table(
        ['Run', 'Status', 'Duration', 'Run ID'],
        c.runs.map((run, i) => ({
          cells: [
            runLink(i),
            h('span', { class: `status status-${run.status.toLowerCase()}` }, run.status),
            formatDuration((run.endTime ?? Date.now()) - run.startTime),
            h('code', {}, run.runId),
          ],
        })),
      ),
    );
    const params = state.onlyDifferences ? c.params.filter((p) => p.differs) : c.params;
    const toggle = h('input', {
      type: 'checkbox',
      id: 'only-differences',
      checked: state.onlyDifferences,
      onchange: (e: Event) => {
        save({ ...state, onlyDifferences: (e.target as HTMLInputElement).checked });
        drawTables();
      },
    });
    replaceChildren(
      paramsSection,
      h('h2', {}, 'Parameters'),
      h('label', { class: 'check' }, toggle, ' Only show differences'),
      params.length === 0
        ? h(
            'p',
            { class: 'muted empty' },
            c.params.length === 0
              ? 'No parameters logged.'
              : 'Every parameter is the same in all runs.',
          )
        : table(
            ['Parameter', ...c.runs.map((r) => r.runName || r.runId.slice(0, 8))],
            params.map((p) => ({
              className: p.differs ? 'differs' : undefined,
              cells: [h('code', {}, p.key), ...p.values.map((v) => v ?? '—')],
            })),
            'data params',
          ),
    );
    replaceChildren(
      metricsSection,
      h('h2', {}, 'Metrics summary (latest · min · max)'),
      c.metrics.length === 0
        ? h('p', { class: 'muted empty' }, 'No metrics logged.')
        : table(
            ['Metric', ...c.runs.map((r) => r.runName || r.runId.slice(0, 8))],
            c.metrics.map((m) => ({
              cells: [h('code', {}, m.key), ...m.runs.map((s) => (s ? statsText(s) : '—'))],
            })),
          ),
    );
  };

  replaceChildren(
    chartsSection,
    h('h2', {}, 'Series'),
    chartToolbar(state.chart, (chart) => {
      save({ ...state, chart });
      drawCharts();
    }),
    chartsEl,
  );
  const drawScalarsSection = (): void => {
    if (!compare) return;
    drawScalars(
      scalarsSection,
      compare,
      scalarMetricKeys(compare, series).filter((k) => !k.startsWith('system/')),
      state.scalars ?? {},
      (scalars) => {
        save({ ...state, scalars });
        drawScalarsSection();
      },
      (runId) => bridge.post({ type: MessageType.OpenRun, runId }),
    );
  };
  replaceChildren(
    root,
    header,
    runsSection,
    scalarsSection,
    chartsSection,
    paramsSection,
    parallel.element,
    scatterSection,
    metricsSection,
  );

  // Hosts switch themes by changing the body's class and CSS variables: redraw the scatter in the
  // new colors (the metric charts and the parallel coordinates watch for themselves).
  new MutationObserver(() => {
    drawScatter();
    drawScalarsSection();
  }).observe(document.body, {
    attributes: true,
    attributeFilter: ['class', 'style', 'data-vscode-theme-id'],
  });

  bridge.listen((message: HostMessage) => {
    switch (message.type) {
      case MessageType.CompareSnapshot:
        compare = message.compare;
        series = message.series;
        save({ ...state, runIds: compare.runs.map((r) => r.runId) });
        drawTables();
        drawCharts();
        drawScalarsSection();
        parallel.update(compare, state.parallelMetric, state.parallelAxes);
        drawScatter();
        break;
      case MessageType.SeriesUpdate:
        series = mergeSeries(series, message.series);
        drawCharts();
        drawScalarsSection();
        break;
      default:
        console.warn('sextant compare view: ignored message', message.type);
    }
  });
  bridge.post({ type: MessageType.Ready });
}
