/**
 * Pipeline graph: the DAG of one pipeline laid out by ELK, each step coloured (and labelled) by its
 * status, live while a run goes; a side panel for the selected step (status, duration, command,
 * outputs, the params and metrics of its tracked run, its log growing live); a toolbar to run,
 * force, cancel and fit. Pure DOM against a {@link Bridge}; the host fetches and pushes.
 */
import type { PipelineGraphNode, StepRun } from '@sextant/language-server/protocol';
import type { Bridge } from '../bridge';
import { formatNumber } from '../chart';
import { MessageType, type HostMessage } from '../contract';
import { layoutGraph } from '../graph/layout';
import {
  applyRun,
  INITIAL_MODEL,
  reduce,
  shownRunId,
  type PipelineViewModel,
  type ViewAction,
} from '../graph/model';
import { GraphCanvas } from '../graph/render';
import { isRunActive, statusStyle, STEP_STATUSES } from '../graph/status';
import { applyTheme, installStyles, VSCODE_THEME, type ThemeMap } from '../graph/theme';
import { formatDuration, h, replaceChildren, table } from './dom';

/** What the pipeline view keeps across reloads: which pipeline, so the host can restore it. */
export interface PipelineViewState {
  file?: string;
  pipeline?: string;
  selected?: string;
}

/** Options of {@link mountPipeline}. */
export interface PipelineViewOptions {
  /** The host's theme mapping (default: VS Code's variables). */
  theme?: ThemeMap;
}

function baseName(file: string): string {
  return file.split(/[\\/]/).at(-1) ?? file;
}

/** Mounts the pipeline view in `root` and tells the host it is ready. */
export function mountPipeline(
  root: HTMLElement,
  bridge: Bridge,
  options: PipelineViewOptions = {},
): void {
  installStyles(root.ownerDocument);
  applyTheme(root, options.theme ?? VSCODE_THEME);
  root.classList.add('sx-pipeline');
  const saved = bridge.getState<PipelineViewState>() ?? {};
  let model: PipelineViewModel = { ...INITIAL_MODEL, selected: saved.selected };
  let laidOut = -1;
  let layoutRun = 0;
  let detailsAsked: string | undefined;

  const title = h('h1', {}, 'Pipeline');
  const meta = h('p', { class: 'meta muted' }, 'Loading…');
  const runButton = h(
    'button',
    { id: 'run-pipeline', title: 'Run the pipeline; cached steps are restored' },
    'Run',
  );
  const forceButton = h(
    'button',
    { id: 'run-pipeline-force', title: 'Run every step again, ignoring the cache' },
    'Run (force)',
  );
  const cancelButton = h('button', { id: 'cancel-pipeline', disabled: true }, 'Cancel');
  const fitButton = h('button', { id: 'fit-graph', title: 'Fit the whole graph into view' }, 'Fit');
  const runStatus = h('span', { class: 'sx-run-status muted', role: 'status' });
  const canvasEl = h('div', { class: 'sx-canvas' });
  const side = h('aside', { class: 'sx-side', 'aria-label': 'Selected step' });
  const legend = h(
    'p',
    { class: 'sx-legend', 'aria-label': 'Status legend' },
    ...STEP_STATUSES.map((status) => {
      const style = statusStyle(status);
      return h(
        'span',
        { style: `--sx-status-color: var(${style.colorVar})` },
        `${style.icon} ${style.label}`,
      );
    }),
  );
  const canvas = new GraphCanvas(canvasEl, (step) => dispatch({ type: 'select', step }));

  runButton.addEventListener('click', () => bridge.post({ type: MessageType.RunPipeline }));
  forceButton.addEventListener('click', () =>
    bridge.post({ type: MessageType.RunPipeline, force: true }),
  );
  cancelButton.addEventListener('click', () => {
    const id = shownRunId(model);
    if (id) bridge.post({ type: MessageType.CancelPipelineRun, pipelineRunId: id });
  });
  fitButton.addEventListener('click', () => canvas.fit());

  replaceChildren(
    root,
    h('header', {}, title, meta),
    h(
      'div',
      { class: 'sx-toolbar toolbar', role: 'toolbar' },
      runButton,
      forceButton,
      cancelButton,
      fitButton,
      runStatus,
    ),
    h('div', { class: 'sx-body' }, canvasEl, side),
    legend,
  );

  const logOut = h('pre', { class: 'sx-stdout', 'aria-label': 'Standard output' });
  const logErr = h('pre', { class: 'sx-stderr', 'aria-label': 'Standard error' });
  const logNote = h('p', { class: 'muted' });

  const stepRunOf = (step: string): StepRun | undefined =>
    model.graph?.run?.steps.find((s) => s.step === step);

  const drawHeader = (): void => {
    const graph = model.graph;
    if (!graph) return;
    title.textContent = `Pipeline ${graph.pipeline}`;
    const run = graph.run;
    replaceChildren(
      meta,
      h('span', { title: graph.file }, baseName(graph.file)),
      ` · ${graph.nodes.length} step${graph.nodes.length === 1 ? '' : 's'}`,
      run
        ? ` · run ${run.pipelineRunId.slice(0, 8)} (${run.trigger.kind}) started ${new Date(run.startTime).toLocaleString()}`
        : ' · never run',
    );
    const done = run
      ? run.steps.filter((s) => ['done', 'cached', 'skipped'].includes(s.status)).length
      : 0;
    runStatus.textContent = run ? `${run.status} · ${done}/${run.steps.length} steps` : '';
    runStatus.dataset['status'] = run?.status ?? '';
    cancelButton.disabled = !isRunActive(run?.status);
    runButton.disabled = isRunActive(run?.status);
    forceButton.disabled = isRunActive(run?.status);
  };

  const drawLog = (): void => {
    const log = model.log;
    const stick = (pre: HTMLElement): boolean =>
      pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
    const outAtEnd = stick(logOut);
    const errAtEnd = stick(logErr);
    logOut.textContent = log ? log.stdout || '(no output)' : 'Loading…';
    logErr.textContent = log?.stderr ?? '';
    logErr.hidden = !log?.stderr;
    logNote.textContent = log?.truncated ? 'Only the last 1 MiB of each stream was kept.' : '';
    if (outAtEnd) logOut.scrollTop = logOut.scrollHeight;
    if (errAtEnd) logErr.scrollTop = logErr.scrollHeight;
  };

  const drawSide = (): void => {
    const graph = model.graph;
    const node: PipelineGraphNode | undefined = graph?.nodes.find((n) => n.step === model.selected);
    if (!node) {
      replaceChildren(
        side,
        h('h2', {}, 'Steps'),
        h(
          'p',
          { class: 'muted' },
          'Select a step (click it, or Tab to it and press Enter) to see its log, params, metrics and outputs.',
        ),
      );
      return;
    }
    const style = statusStyle(node.status);
    const stepRun = stepRunOf(node.step);
    const outputs = [...new Set(node.outputs)];
    const details = model.details;
    const tracked = details?.run;
    const runId = node.runId ?? stepRun?.runId;
    const rows: [string, Node | string][] = [
      [
        'Status',
        h(
          'span',
          { class: 'sx-badge', style: `--sx-status-color: var(${style.colorVar})` },
          `${style.icon} ${style.label}`,
        ),
      ],
      ['Duration', node.durationMs === undefined ? '—' : formatDuration(node.durationMs)],
      ['Compute', node.compute],
      ['Command', h('code', {}, node.run)],
    ];
    // The interpreter a local step ran with, and where it was chosen (its tracked run's tag).
    const python = tracked?.data.tags.find((t) => t.key === 'sextant.python')?.value;
    if (python) rows.push(['Python', h('code', { class: 'sx-python' }, python)]);
    if (stepRun?.attempts && stepRun.attempts > 1)
      rows.push(['Attempts', String(stepRun.attempts)]);
    if (stepRun?.exitCode !== undefined) rows.push(['Exit code', String(stepRun.exitCode)]);
    if (stepRun?.reason) rows.push(['Reason', h('span', { class: 'sx-problem' }, stepRun.reason)]);
    rows.push([
      'Outputs',
      outputs.length === 0
        ? '—'
        : h('ul', {}, ...outputs.map((o) => h('li', {}, h('code', {}, o)))),
    ]);
    if (runId) {
      rows.push([
        'Tracked run',
        h(
          'button',
          {
            class: 'link',
            id: 'open-step-run',
            onclick: () => bridge.post({ type: MessageType.OpenRun, runId }),
          },
          tracked?.info.runName || runId.slice(0, 8),
        ),
      ]);
    }
    const active = isRunActive(graph?.run?.status);
    const sections: (Node | null)[] = [
      h('h2', {}, node.step),
      h('dl', {}, ...rows.flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)])),
      h(
        'div',
        { class: 'toolbar' },
        h(
          'button',
          {
            id: 'rerun-step',
            disabled: active,
            onclick: () => bridge.post({ type: MessageType.RunPipeline, step: node.step }),
          },
          'Re-run step',
        ),
        h(
          'button',
          {
            id: 'rerun-step-force',
            disabled: active,
            onclick: () =>
              bridge.post({ type: MessageType.RunPipeline, step: node.step, force: true }),
          },
          'Re-run step (force)',
        ),
      ),
      details?.error ? h('p', { class: 'sx-problem' }, details.error) : null,
    ];
    if (tracked) {
      sections.push(
        h('h2', {}, 'Params'),
        tracked.data.params.length === 0
          ? h('p', { class: 'muted' }, 'No params.')
          : table(
              ['Param', 'Value'],
              tracked.data.params.map((p) => ({ cells: [h('code', {}, p.key), p.value] })),
            ),
        h('h2', {}, 'Metrics'),
        tracked.data.metrics.length === 0
          ? h('p', { class: 'muted' }, 'No metrics.')
          : table(
              ['Metric', 'Value'],
              tracked.data.metrics.map((m) => ({
                cells: [h('code', {}, m.key), formatNumber(m.value)],
              })),
            ),
      );
    }
    sections.push(h('h2', {}, 'Log'), logNote, logOut, logErr);
    replaceChildren(side, ...sections);
    drawLog();
  };

  const relayout = async (): Promise<void> => {
    const graph = model.graph;
    if (!graph || laidOut === model.layoutVersion) return;
    const version = model.layoutVersion;
    const ticket = ++layoutRun;
    try {
      const layout = await layoutGraph(graph);
      if (ticket !== layoutRun) return;
      laidOut = version;
      canvas.draw(layout, model.graph ?? graph);
      canvas.select(model.selected);
    } catch (error) {
      bridge.post({ type: MessageType.ViewError, message: `layout failed: ${String(error)}` });
    }
  };

  const askDetails = (): void => {
    const step = model.selected;
    if (!step || !model.graph || model.details) return;
    const pipelineRunId = stepRunOf(step) ? shownRunId(model) : undefined;
    const key = `${step}\u0000${pipelineRunId ?? ''}`;
    if (detailsAsked === key) return;
    detailsAsked = key;
    const runId = model.graph?.nodes.find((n) => n.step === step)?.runId ?? stepRunOf(step)?.runId;
    bridge.post({ type: MessageType.SelectStep, step, pipelineRunId, runId });
  };

  function dispatch(event: HostMessage | ViewAction): void {
    const before = model;
    model = reduce(model, event, Date.now());
    if (model === before) return;
    if (model.graph && model.layoutVersion !== laidOut) void relayout();
    else if (model.graph && model.graph !== before.graph) canvas.update(model.graph);
    if (model.selected !== before.selected) {
      canvas.select(model.selected);
      detailsAsked = undefined;
    }
    // The reducer dropped the details as outdated: ask again, even for the same step and run.
    if (before.details && !model.details) detailsAsked = undefined;
    if (!model.details) askDetails();
    if (model.graph !== before.graph) drawHeader();
    if (event.type === MessageType.PipelineLog) drawLog();
    else drawSide();
    if (model.needsGraph && !before.needsGraph) bridge.post({ type: MessageType.Ready });
    if (model.graph && (model.graph !== before.graph || model.selected !== before.selected)) {
      bridge.setState<PipelineViewState>({
        file: model.graph.file,
        pipeline: model.graph.pipeline,
        selected: model.selected,
      });
    }
  }

  // Running steps' durations count up between updates.
  setInterval(() => {
    const graph = model.graph;
    if (!graph?.run || !isRunActive(graph.run.status)) return;
    model = { ...model, graph: applyRun(graph, graph.run, Date.now()).graph };
    canvas.update(model.graph!);
  }, 1000);

  drawSide();
  bridge.listen((message: HostMessage) => {
    switch (message.type) {
      case MessageType.PipelineSnapshot:
      case MessageType.PipelineRunUpdate:
      case MessageType.PipelineLog:
      case MessageType.PipelineStepDetails:
        dispatch(message);
        break;
      default:
        console.warn('sextant pipeline view: ignored message', message.type);
    }
  });
  bridge.post({ type: MessageType.Ready });
}
