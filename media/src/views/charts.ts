/** Metric charts with Plotly: one chart per metric key, the runs overlaid, themed by the host. */
import * as Plotly from 'plotly.js-dist-min';
import type { SampledSeries } from '@sextant/language-server/protocol';
import { groupByKey, smooth, xValues, type ChartOptions, type ScatterPoint } from '../chart';
import { h } from './dom';

/** Colors of the runs, in order (Tableau 10, readable on light and dark backgrounds). */
export const RUN_COLORS = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];

/** The color of the run at `index`. */
export function runColor(index: number): string {
  return RUN_COLORS[index % RUN_COLORS.length]!;
}

/** The value of a host CSS variable on the body, or `fallback`. */
export function cssVar(name: string, fallback: string): string {
  const value = getComputedStyle(document.body).getPropertyValue(name).trim();
  return value || fallback;
}

function themedLayout(
  key: string,
  options: ChartOptions,
  xTitle: string = options.xAxis,
): Plotly.Layout {
  const fg = cssVar('--vscode-editor-foreground', '#333');
  const grid = cssVar('--vscode-editorWidget-border', 'rgba(128,128,128,0.3)');
  const font = cssVar('--vscode-font-family', 'sans-serif');
  const axis = { color: fg, gridcolor: grid, zerolinecolor: grid, linecolor: grid };
  return {
    title: { text: key, font: { size: 13, color: fg }, x: 0.02 },
    paper_bgcolor: 'rgba(0,0,0,0)',
    plot_bgcolor: 'rgba(0,0,0,0)',
    font: { family: font, color: fg, size: 11 },
    margin: { l: 50, r: 12, t: 32, b: 36 },
    height: 260,
    showlegend: false,
    hovermode: 'closest',
    xaxis: {
      ...axis,
      title: { text: xTitle },
      type: options.xAxis === 'time' ? 'date' : 'linear',
    },
    yaxis: { ...axis, type: options.logY ? 'log' : 'linear' },
  };
}

/** Keeps one chart element per metric key inside a container and redraws them in place. */
export class ChartGrid {
  private readonly charts = new Map<string, HTMLElement>();

  private last: Parameters<ChartGrid['render']> | undefined;

  constructor(private readonly container: HTMLElement) {
    new ResizeObserver(() => {
      for (const chart of this.charts.values()) Plotly.Plots.resize(chart);
    }).observe(container);
    // Hosts switch themes by changing the body's class and CSS variables: redraw in the new colors.
    new MutationObserver(() => {
      if (this.last) this.render(...this.last);
    }).observe(document.body, {
      attributes: true,
      attributeFilter: ['class', 'style', 'data-vscode-theme-id'],
    });
  }

  /** Draws `series`, colored by the run's place in `runOrder` and named by `runNames`. */
  render(
    series: readonly SampledSeries[],
    runOrder: readonly string[],
    runNames: ReadonlyMap<string, string>,
    options: ChartOptions,
  ): void {
    this.last = [series, runOrder, runNames, options];
    const groups = groupByKey(series, runOrder);
    for (const [key, chart] of this.charts) {
      if (!groups.has(key)) {
        Plotly.purge(chart);
        chart.parentElement?.remove();
        this.charts.delete(key);
      }
    }
    for (const [key, group] of groups) {
      let chart = this.charts.get(key);
      if (!chart) {
        chart = h('div', { class: 'chart', 'data-metric': key });
        this.container.append(
          h('figure', { class: 'chart-card', 'aria-label': `Metric ${key}` }, chart),
        );
        this.charts.set(key, chart);
      }
      const traces: Plotly.Trace[] = [];
      for (const s of group) {
        const color = runColor(Math.max(0, runOrder.indexOf(s.runId)));
        const name = runNames.get(s.runId) ?? s.runId.slice(0, 8);
        const x = xValues(s, options.xAxis);
        if (options.smoothing > 0) {
          traces.push({
            type: 'scatter',
            mode: 'lines',
            x,
            y: s.values,
            name,
            line: { color, width: 1 },
            opacity: 0.25,
            hovertemplate: `${name}<extra>raw</extra>`,
          });
        }
        traces.push({
          type: 'scatter',
          mode: s.values.length === 1 ? 'markers' : 'lines',
          x,
          y: smooth(s.values, options.smoothing),
          name,
          line: { color, width: 2 },
          marker: { color, size: 6 },
          hovertemplate: `${name}<br>%{x}: %{y}<extra></extra>`,
        });
      }
      void Plotly.react(chart, traces, themedLayout(key, options), {
        displaylogo: false,
        responsive: true,
        modeBarButtonsToRemove: ['select2d', 'lasso2d'],
      });
    }
  }
}

/** Draws one param (x) against one metric's latest value (y), a point per run in its color. */
export function renderScatter(
  chart: HTMLElement,
  points: readonly ScatterPoint[],
  runOrder: readonly string[],
  paramKey: string,
  metricKey: string,
  logY: boolean,
): void {
  const traces: Plotly.Trace[] = points.map((point) => ({
    type: 'scatter',
    mode: 'markers',
    name: point.runName,
    x: [point.x],
    y: [point.y],
    marker: { color: runColor(Math.max(0, runOrder.indexOf(point.runId))), size: 10 },
    hovertemplate: `${point.runName}<br>${paramKey}=%{x}<br>${metricKey}=%{y}<extra></extra>`,
  }));
  const layout = themedLayout(
    `${metricKey} by ${paramKey}`,
    { xAxis: 'step', logY, smoothing: 0 },
    paramKey,
  );
  const xaxis = layout['xaxis'] as Record<string, unknown>;
  xaxis['type'] = points.some((p) => typeof p.x === 'string') ? 'category' : '-';
  void Plotly.react(chart, traces, layout, { displaylogo: false, responsive: true });
}

/** Draws one scalar metric as a bar per run in its color, the best bar outlined. */
export function renderBars(
  chart: HTMLElement,
  key: string,
  bars: readonly { runId: string; runName: string; value: number }[],
  runOrder: readonly string[],
  best: string | undefined,
): void {
  const fg = cssVar('--vscode-editor-foreground', '#333');
  const trace: Plotly.BarTrace = {
    type: 'bar',
    x: bars.map((b) => b.runName),
    y: bars.map((b) => b.value),
    marker: {
      color: bars.map((b) => runColor(Math.max(0, runOrder.indexOf(b.runId)))),
      line: { color: fg, width: bars.map((b) => (b.runId === best ? 2 : 0)) },
    },
    hovertemplate: `%{x}<br>${key}=%{y}<extra></extra>`,
  };
  const layout = themedLayout(key, { xAxis: 'step', logY: false, smoothing: 0 }, '');
  layout['height'] = 220;
  const xaxis = layout['xaxis'] as Record<string, unknown>;
  xaxis['type'] = 'category';
  xaxis['automargin'] = true;
  void Plotly.react(chart, [trace], layout, { displaylogo: false, responsive: true });
}
