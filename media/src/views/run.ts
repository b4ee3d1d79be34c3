/**
 * Run view: its description (a Markdown note) and tags, editable; a table of the run's
 * single-value metrics, line charts of its series (MLflow's `system/` metrics in their own
 * collapsible section), its params, its source (git commit and diff, or a copy of the script),
 * and its artifacts with previews of images, text and (sandboxed) HTML files.
 */
import type { Run, RunModelArtifact, SampledSeries } from '@sextant/language-server/protocol';
import type { Bridge } from '../bridge';
import { DEFAULT_CHART_OPTIONS, formatNumber, type ChartOptions } from '../chart';
import { formatBytes } from '../artifacts';
import { isSystemMetric, seriesKeys, splitSeries } from '../metricKinds';
import { signatureSummary } from '../modelSummary';
import { MessageType, mergeSeries, type HostMessage } from '../contract';
import { ArtifactsPanel } from './artifacts';
import { ChartGrid } from './charts';
import { formatDuration, h, replaceChildren, table } from './dom';
import { NOTE_TAG, NoteEditor, TagsEditor } from './runEdits';
import { sourceSection } from './source';
import { chartToolbar } from './toolbar';

/** What the run view keeps across reloads. */
export interface RunViewState {
  chart: ChartOptions;
  /** The run shown, so that the host can restore the view after a reload. */
  runId?: string;
  /** The system metrics section is open. */
  systemOpen?: boolean;
}

function tag(run: Run, key: string): string | undefined {
  return run.data.tags.find((t) => t.key === key)?.value;
}

/** Mounts the run view in `root` and tells the host it is ready. */
export function mountRun(root: HTMLElement, bridge: Bridge): void {
  let state: RunViewState = { chart: DEFAULT_CHART_OPTIONS, ...bridge.getState<RunViewState>() };
  let run: Run | undefined;
  let series: SampledSeries[] = [];

  const header = h('header', {}, h('h1', {}, 'Run'), h('p', { class: 'muted' }, 'Loading…'));
  const chartsEl = h('div', { class: 'charts' });
  const grid = new ChartGrid(chartsEl);
  const systemEl = h('div', { class: 'charts' });
  const systemGrid = new ChartGrid(systemEl);
  const scalarsSection = h('section', { 'aria-label': 'Metrics table' });
  const chartsSection = h('section', { 'aria-label': 'Metric charts' });
  const systemSection = h('details', {
    'aria-label': 'System metrics',
    class: 'system-metrics',
    open: state.systemOpen === true,
  });
  systemSection.addEventListener('toggle', () => {
    state = { ...state, systemOpen: systemSection.open };
    bridge.setState(state);
    if (systemSection.open) drawCharts();
  });
  const note = new NoteEditor(bridge);
  const tags = new TagsEditor(bridge);
  const source = h('section', { 'aria-label': 'Source' });
  const modelsSection = h('section', { 'aria-label': 'Logged models', hidden: true });

  /** The run's logged models with Open (their MLmodel in the artifacts panel) and Register. */
  const drawModels = (models: RunModelArtifact[], error: string | undefined): void => {
    modelsSection.hidden = models.length === 0 && !error;
    replaceChildren(
      modelsSection,
      h('h2', {}, 'Logged models'),
      error ? h('p', { class: 'muted empty' }, `Cannot list the models: ${error}`) : null,
      models.length === 0
        ? null
        : table(
            ['Model', 'Flavours', 'Signature', 'Size', ''],
            models.map((m) => ({
              cells: [
                h('code', { title: m.source }, m.name),
                m.flavors.join(', ') || '—',
                signatureSummary(m.signature) || h('span', { class: 'muted' }, 'none'),
                m.sizeBytes === undefined ? '—' : formatBytes(m.sizeBytes),
                h(
                  'span',
                  { class: 'actions' },
                  h(
                    'button',
                    {
                      class: 'secondary',
                      'data-action': 'open-model',
                      disabled: m.artifactPath === undefined && m.mlmodel === undefined,
                      title:
                        m.artifactPath !== undefined
                          ? `Show ${m.artifactPath}/MLmodel in the artifacts`
                          : m.mlmodel !== undefined
                            ? `Show the MLmodel of ${m.source}`
                            : "Its files lie outside the run's artifacts",
                      onclick: () => {
                        if (m.artifactPath !== undefined) {
                          artifacts.preview(`${m.artifactPath}/MLmodel`);
                        } else if (m.mlmodel !== undefined) {
                          artifacts.showText(`${m.source}/MLmodel`, m.mlmodel);
                        }
                      },
                    },
                    'Open',
                  ),
                  ' ',
                  h(
                    'button',
                    {
                      'data-action': 'register-model',
                      title: `Register ${m.source} as a version of a registered model`,
                      onclick: () =>
                        bridge.post({ type: MessageType.RegisterModel, source: m.source }),
                    },
                    'Register…',
                  ),
                ),
              ],
            })),
            'data models',
          ),
    );
  };
  const details = h('div', { class: 'details' });
  const artifacts = new ArtifactsPanel(bridge);

  const drawCharts = (): void => {
    if (!run) return;
    const id = run.info.runId;
    const names = new Map([[id, run.info.runName]]);
    const { charts, system } = splitSeries(series);
    chartsSection.hidden = charts.length === 0;
    systemSection.hidden =
      system.length === 0 && !run.data.metrics.some((m) => isSystemMetric(m.key));
    grid.render(charts, [id], names, state.chart);
    if (systemSection.open) systemGrid.render(system, [id], names, state.chart);
    drawScalars();
  };

  /** Single-value metrics in one table; system ones in the system section's table. */
  const drawScalars = (): void => {
    if (!run) return;
    const multi = seriesKeys(series);
    const rows = (system: boolean): HTMLElement | null => {
      const metrics = [...run!.data.metrics]
        .filter((m) => !multi.has(m.key) && isSystemMetric(m.key) === system)
        .sort((a, b) => a.key.localeCompare(b.key));
      if (metrics.length === 0) return null;
      return table(
        ['Metric', 'Value', 'Step', 'Time'],
        metrics.map((m) => ({
          cells: [
            h('code', {}, m.key),
            h('span', { class: 'num' }, formatNumber(m.value)),
            String(m.step),
            new Date(m.timestamp).toLocaleString(),
          ],
        })),
        'data metrics-table',
      );
    };
    const scalars = rows(false);
    replaceChildren(
      scalarsSection,
      h('h2', {}, 'Metrics'),
      scalars ??
        h(
          'p',
          { class: 'muted empty' },
          run.data.metrics.length === 0
            ? 'No metrics logged.'
            : 'Every metric is a series: see the charts.',
        ),
    );
    const systemTable = rows(true);
    const systemCount = new Set(
      [...run.data.metrics.map((m) => m.key), ...series.map((s) => s.key)].filter(isSystemMetric),
    ).size;
    replaceChildren(
      systemSection,
      h('summary', {}, h('h2', {}, `System metrics (${systemCount})`)),
      ...(systemTable ? [systemTable] : []),
      systemEl,
    );
  };

  const draw = (r: Run): void => {
    const duration = formatDuration((r.info.endTime ?? Date.now()) - r.info.startTime);
    const activeMs = Number(tag(r, 'sextant.notebook.active_ms') ?? NaN);
    const failedCells = Number(tag(r, 'sextant.notebook.failed_cells') ?? 0);
    replaceChildren(
      header,
      h('h1', {}, r.info.runName || r.info.runId),
      h(
        'p',
        { class: 'meta' },
        h('span', { class: `status status-${r.info.status.toLowerCase()}` }, r.info.status),
        ` · ${new Date(r.info.startTime).toLocaleString()} · ${duration}`,
        Number.isFinite(activeMs)
          ? h(
              'span',
              { title: 'Time spent running cells, without the idle time between them' },
              ` (${formatDuration(activeMs)} running cells)`,
            )
          : null,
        failedCells > 0
          ? h(
              'span',
              {
                class: 'failed-cells',
                title: 'Cells that raised an error while this run was active',
              },
              ` · ${failedCells} failed ${failedCells === 1 ? 'cell' : 'cells'}`,
            )
          : null,
        ' · ',
        h('code', {}, r.info.runId),
      ),
      r.info.lifecycleStage === 'deleted'
        ? h(
            'p',
            { class: 'deleted-banner', role: 'status' },
            'This run is deleted: restore it from the Experiments list.',
          )
        : null,
    );
    note.show(r.data.tags);
    tags.show(r.data.tags);
    replaceChildren(source, ...sourceSection(r.data.tags, (path) => artifacts.preview(path)));
    const byKey = <T extends { key: string }>(items: T[]): T[] =>
      [...items].sort((a, b) => a.key.localeCompare(b.key));
    replaceChildren(
      details,
      h(
        'section',
        { 'aria-label': 'Parameters' },
        h('h2', {}, 'Parameters'),
        r.data.params.length === 0
          ? h('p', { class: 'muted empty' }, 'No parameters logged.')
          : table(
              ['Parameter', 'Value'],
              byKey(r.data.params).map((p) => ({ cells: [h('code', {}, p.key), p.value] })),
            ),
      ),
      tags.element,
    );
  };

  replaceChildren(
    chartsSection,
    h('h2', {}, 'Charts'),
    chartToolbar(state.chart, (chart) => {
      state = { ...state, chart };
      bridge.setState(state);
      drawCharts();
    }),
    chartsEl,
  );
  replaceChildren(
    root,
    header,
    note.element,
    scalarsSection,
    chartsSection,
    modelsSection,
    details,
    source,
    systemSection,
    artifacts.element,
  );

  bridge.listen((message: HostMessage) => {
    switch (message.type) {
      case MessageType.RunSnapshot:
        run = message.run;
        series = message.series;
        state = { ...state, runId: run.info.runId };
        bridge.setState(state);
        draw(message.run);
        artifacts.setRoot(message.artifacts);
        drawCharts();
        break;
      case MessageType.ArtifactContent:
      case MessageType.ArtifactListing:
        artifacts.receive(message);
        break;
      case MessageType.RevealArtifact:
        artifacts.preview(message.path);
        break;
      case MessageType.SeriesUpdate:
        series = mergeSeries(series, message.series);
        drawCharts();
        break;
      case MessageType.RunModels:
        drawModels(message.models, message.error);
        break;
      case MessageType.RunEditFailed:
        if (message.key === NOTE_TAG) note.failed(message.error);
        else tags.failed(message.key, message.error);
        break;
      default:
        console.warn('sextant run view: ignored message', message.type);
    }
  });
  bridge.post({ type: MessageType.Ready });
}
