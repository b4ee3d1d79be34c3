/**
 * The plots of model evaluations with Plotly, themed by the host: ROC, precision-recall and
 * calibration curves (several versions overlaid), predicted against actual for a regressor, and
 * importance bars; confusion matrices are HTML tables shaded by count (readable in every theme).
 */
import * as Plotly from 'plotly.js-dist-min';
import type {
  CalibrationCurve,
  ConfusionMatrix,
  PrCurve,
  Residuals,
  RocCurve,
} from '@sextant/language-server/protocol';
import { formatNumber } from '../chart';
import { cssVar, runColor } from './charts';
import { h } from './dom';

/** One curve of one version, drawn in the version's color. */
export interface Curve {
  /** Legend name, e.g. `v2 · class 1`. */
  name: string;
  x: number[];
  y: number[];
  color: string;
  /** Tick text for the x values (e.g. `v2`), when x is a position rather than a quantity. */
  xLabels?: string[];
}

const CONFIG = {
  displaylogo: false,
  responsive: true,
  modeBarButtonsToRemove: ['select2d', 'lasso2d'],
};

function layout(title: string, xTitle: string, yTitle: string, height = 300): Plotly.Layout {
  const fg = cssVar('--vscode-editor-foreground', '#333');
  const grid = cssVar('--vscode-editorWidget-border', 'rgba(128,128,128,0.3)');
  const font = cssVar('--vscode-font-family', 'sans-serif');
  const axis = { color: fg, gridcolor: grid, zerolinecolor: grid, linecolor: grid };
  return {
    title: { text: title, font: { size: 13, color: fg }, x: 0.02 },
    paper_bgcolor: 'rgba(0,0,0,0)',
    plot_bgcolor: 'rgba(0,0,0,0)',
    font: { family: font, color: fg, size: 11 },
    margin: { l: 56, r: 12, t: 32, b: 72 },
    height,
    hovermode: 'closest',
    showlegend: true,
    legend: { orientation: 'h', x: 0, y: -0.3, yanchor: 'top', font: { color: fg } },
    xaxis: { ...axis, title: { text: xTitle } },
    yaxis: { ...axis, title: { text: yTitle } },
  };
}

/** A figure holding one chart, labelled for screen readers. */
export function chartFigure(label: string): { figure: HTMLElement; chart: HTMLElement } {
  const chart = h('div', { class: 'chart', 'data-plot': label });
  return { figure: h('figure', { class: 'chart-card', 'aria-label': label }, chart), chart };
}

/** Lines of several curves, with a dashed reference line from (0,0) to (1,1) when asked. */
export function drawCurves(
  chart: HTMLElement,
  title: string,
  axes: [string, string],
  curves: readonly Curve[],
  diagonal: boolean,
): void {
  const grid = cssVar('--vscode-descriptionForeground', '#888');
  const traces: Plotly.Trace[] = curves.map((c) => ({
    type: 'scatter',
    mode: c.x.length <= 12 ? 'lines+markers' : 'lines',
    name: c.name,
    x: c.x,
    y: c.y,
    line: { color: c.color, width: 2 },
    marker: { color: c.color, size: 5 },
    hovertemplate: `${c.name}<br>${axes[0]} %{x:.3f}<br>${axes[1]} %{y:.3f}<extra></extra>`,
  }));
  if (diagonal) {
    traces.push({
      type: 'scatter',
      mode: 'lines',
      name: 'chance',
      x: [0, 1],
      y: [0, 1],
      line: { color: grid, width: 1 },
      opacity: 0.6,
      showlegend: false,
      hovertemplate: '<extra></extra>',
    });
  }
  const base = layout(title, axes[0], axes[1]);
  const labelled = curves.find((c) => c.xLabels);
  if (labelled?.xLabels) {
    base['xaxis'] = {
      ...(base['xaxis'] as Record<string, unknown>),
      tickvals: labelled.x,
      ticktext: labelled.xLabels,
      range: [Math.min(...labelled.x) - 0.5, Math.max(...labelled.x) + 0.5],
    };
  }
  void Plotly.react(chart, traces, base, CONFIG);
}

/** ROC curves of each (version, class), named `prefix · class`. */
export const rocCurves = (prefix: string, color: string, curves: readonly RocCurve[]): Curve[] =>
  curves.map((c) => ({
    name: `${prefix}${curves.length > 1 ? ` · ${c.label}` : ''} (AUC ${formatNumber(c.auc)})`,
    x: c.fpr,
    y: c.tpr,
    color,
  }));

/** Precision-recall curves, recall on x. */
export const prCurves = (prefix: string, color: string, curves: readonly PrCurve[]): Curve[] =>
  curves.map((c) => ({
    name: `${prefix}${curves.length > 1 ? ` · ${c.label}` : ''} (AP ${formatNumber(c.averagePrecision)})`,
    x: c.recall,
    y: c.precision,
    color,
  }));

/** Calibration curves: mean predicted probability on x, fraction of positives on y. */
export const calibrationCurves = (
  prefix: string,
  color: string,
  curves: readonly CalibrationCurve[],
): Curve[] =>
  curves.map((c) => ({
    name: `${prefix}${curves.length > 1 ? ` · ${c.label}` : ''}`,
    x: c.meanPredicted,
    y: c.fractionPositive,
    color,
  }));

/** A regressor's predictions against the truth, with the line of perfect predictions. */
export function drawResiduals(chart: HTMLElement, residuals: Residuals, color: string): void {
  const all = [...residuals.actual, ...residuals.predicted].filter(Number.isFinite);
  const low = Math.min(...all);
  const high = Math.max(...all);
  const grid = cssVar('--vscode-descriptionForeground', '#888');
  void Plotly.react(
    chart,
    [
      {
        type: 'scatter',
        mode: 'markers',
        name: 'rows',
        x: residuals.actual,
        y: residuals.predicted,
        marker: { color, size: 5 },
        opacity: 0.7,
        hovertemplate: 'actual %{x}<br>predicted %{y}<extra></extra>',
      },
      {
        type: 'scatter',
        mode: 'lines',
        name: 'perfect',
        x: [low, high],
        y: [low, high],
        line: { color: grid, width: 1 },
        hovertemplate: '<extra></extra>',
      },
    ],
    layout('Predicted against actual', 'actual', 'predicted'),
    CONFIG,
  );
}

/** Horizontal bars of one score per feature, largest on top, at most `limit` features. */
export function drawBars(
  chart: HTMLElement,
  title: string,
  xTitle: string,
  features: readonly string[],
  values: readonly number[],
  color: string,
  errors?: readonly number[],
  limit = 15,
): void {
  const order = features
    .map((feature, i) => ({ feature, value: values[i] ?? 0, error: errors?.[i] ?? 0 }))
    .sort((a, b) => Math.abs(b.value) - Math.abs(a.value))
    .slice(0, limit)
    .reverse();
  const fg = cssVar('--vscode-editor-foreground', '#333');
  const base = layout(title, xTitle, '', Math.max(180, 60 + order.length * 20));
  void Plotly.react(
    chart,
    [
      {
        type: 'bar',
        orientation: 'h',
        name: title,
        x: order.map((o) => o.value),
        y: order.map((o) => o.feature),
        marker: { color },
        ...(errors
          ? {
              error_x: { type: 'data', array: order.map((o) => o.error), visible: true, color: fg },
            }
          : {}),
        hovertemplate: '%{y}: %{x:.4f}<extra></extra>',
        showlegend: false,
      },
    ],
    { ...base, showlegend: false, margin: { l: 150, r: 12, t: 32, b: 44 } },
    CONFIG,
  );
}

/** A confusion matrix as a table: true labels down, predicted across, cells shaded by count. */
export function confusionTable(
  matrix: ConfusionMatrix,
  caption: string,
  color = runColor(0),
): HTMLElement {
  const max = Math.max(1, ...matrix.matrix.flat());
  return h(
    'table',
    { class: 'confusion', 'aria-label': caption },
    h('caption', {}, caption),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col', class: 'corner' }, 'true ↓ / predicted →'),
        ...matrix.labels.map((label) => h('th', { scope: 'col' }, label)),
      ),
    ),
    h(
      'tbody',
      {},
      ...matrix.matrix.map((row, i) =>
        h(
          'tr',
          {},
          h('th', { scope: 'row' }, matrix.labels[i] ?? String(i)),
          ...row.map((count, j) => {
            const share = count / max;
            return h(
              'td',
              {
                class: i === j ? 'diagonal' : undefined,
                style: `background: color-mix(in srgb, ${color} ${Math.round(share * 70)}%, transparent)`,
                title: `true ${matrix.labels[i]}, predicted ${matrix.labels[j]}: ${count}`,
              },
              String(count),
            );
          }),
        ),
      ),
    ),
  );
}

/** Purges the Plotly charts under `root` before it is emptied. */
export function purgeCharts(root: Element): void {
  for (const chart of root.querySelectorAll<HTMLElement>('.chart')) Plotly.purge(chart);
}
