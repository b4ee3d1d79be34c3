/**
 * Parallel coordinates of params against a metric, drawn as SVG (Plotly's parcoords needs WebGL,
 * which the views' strict CSP rules out). One axis per param and the metric last; one line per run
 * colored by the metric; hover or focus a line to see its values; drag on an axis to keep only
 * the runs in that range; Enter on a focused line opens its run.
 */
import type { RunsCompareResult } from '@sextant/language-server/protocol';
import { formatNumber } from '../chart';
import { abbreviateMiddle, defaultAxisParams, wrapLabel } from '../metricKinds';
import {
  brushRange,
  linePath,
  metricColor,
  parallelLayout,
  passesBrushes,
  themeKindOf,
  type Brushes,
  type ParallelLayout,
  type Polyline,
} from '../parallel';
import { h, replaceChildren } from './dom';

const SVG = 'http://www.w3.org/2000/svg';
const HEIGHT = 340;
const MARGIN = { top: 44, right: 70, bottom: 28, left: 84 };

function s<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number> = {},
  ...children: (Node | string)[]
): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  element.append(...children);
  return element;
}

/** What the chart tells its view. */
export interface ParallelEvents {
  /** The user picked another metric. */
  onMetric(key: string): void;
  /** The user picked other params as axes. */
  onAxes(keys: string[]): void;
  /** The user asked to open a run. */
  onOpenRun(runId: string): void;
}

/** The parallel-coordinates section of the comparison view. */
export class ParallelChart {
  readonly element: HTMLElement;
  private readonly body: HTMLElement;
  private readonly plot: HTMLElement;
  private readonly tooltip: HTMLElement;
  private readonly status: HTMLElement;
  private compare: RunsCompareResult | undefined;
  private metric = '';
  /** The params drawn as axes, in the compared params' order. */
  private axes: string[] = [];
  private brushes: Brushes = {};
  private width = 0;
  /** Holds a copy of the hovered or focused line above the others (moving the line itself would
   * take the keyboard focus away from it). */
  private highlight = s('g', { class: 'pc-highlight-layer' });

  constructor(private readonly events: ParallelEvents) {
    this.status = h('span', { class: 'muted', 'aria-live': 'polite', id: 'parallel-status' });
    this.plot = h('div', { class: 'parallel-plot' });
    this.tooltip = h('div', { class: 'parallel-tooltip', role: 'status', hidden: true });
    this.body = h('div', {});
    this.element = h(
      'section',
      { 'aria-label': 'Parallel coordinates' },
      h('h2', {}, 'Parallel coordinates'),
      this.body,
    );
    new ResizeObserver(() => {
      const width = this.plot.clientWidth;
      if (width > 0 && Math.abs(width - this.width) > 4) this.draw();
    }).observe(this.plot);
    new MutationObserver(() => this.draw()).observe(document.body, {
      attributes: true,
      attributeFilter: ['class'],
    });
  }

  /**
   * Shows `compare` against `metric` (the first metric that is not a system one when it is not one
   * of them), with `axes` as the param axes (the params that differ when absent).
   */
  update(compare: RunsCompareResult, metric: string | undefined, axes?: readonly string[]): void {
    this.compare = compare;
    const keys = compare.metrics.map((m) => m.key);
    const fallback = keys.find((k) => !k.startsWith('system/')) ?? keys[0] ?? '';
    this.metric = metric && keys.includes(metric) ? metric : fallback;
    const params = compare.params.map((p) => p.key);
    this.axes = axes ? params.filter((key) => axes.includes(key)) : defaultAxisParams(compare);
    const ids = new Set(
      compare.params.map((p) => `param:${p.key}`).concat(`metric:${this.metric}`),
    );
    this.brushes = Object.fromEntries(Object.entries(this.brushes).filter(([id]) => ids.has(id)));
    this.renderControls();
    this.draw();
  }

  private renderControls(): void {
    const c = this.compare;
    if (!c) return;
    if (c.metrics.length === 0 || c.params.length === 0) {
      replaceChildren(
        this.body,
        h('p', { class: 'muted empty' }, 'Needs at least one parameter and one metric.'),
      );
      return;
    }
    const select = h(
      'select',
      {
        id: 'parallel-metric',
        onchange: (e: Event) => {
          this.metric = (e.target as HTMLSelectElement).value;
          this.brushes = {};
          this.events.onMetric(this.metric);
          this.draw();
        },
      },
      ...c.metrics.map((m) =>
        h('option', { value: m.key, selected: m.key === this.metric }, m.key),
      ),
    );
    const picker = h(
      'details',
      { class: 'axis-picker' },
      h(
        'summary',
        { id: 'parallel-axes' },
        `Axes: ${this.axes.length} of ${c.params.length} parameters`,
      ),
      h(
        'div',
        { class: 'axis-picker-list', role: 'group', 'aria-label': 'Parameters drawn as axes' },
        ...c.params.map((p) =>
          h(
            'label',
            { class: 'check', title: p.differs ? p.key : `${p.key} (the same in every run)` },
            h('input', {
              type: 'checkbox',
              value: p.key,
              checked: this.axes.includes(p.key),
              onchange: (e: Event) => {
                const on = (e.target as HTMLInputElement).checked;
                const chosen = new Set(this.axes);
                if (on) chosen.add(p.key);
                else chosen.delete(p.key);
                this.axes = c.params.map((q) => q.key).filter((k) => chosen.has(k));
                this.events.onAxes(this.axes);
                const summary = picker.querySelector('summary');
                if (summary) {
                  summary.textContent = `Axes: ${this.axes.length} of ${c.params.length} parameters`;
                }
                this.draw();
              },
            }),
            ` ${p.key}`,
            p.differs ? '' : h('span', { class: 'muted' }, ' · same in all'),
          ),
        ),
      ),
    );
    const clear = h(
      'button',
      {
        id: 'parallel-clear',
        class: 'secondary',
        onclick: () => {
          this.brushes = {};
          this.draw();
        },
      },
      'Clear filters',
    );
    replaceChildren(
      this.body,
      h(
        'div',
        { class: 'toolbar', role: 'toolbar', 'aria-label': 'Parallel coordinates options' },
        h('label', { for: 'parallel-metric' }, 'Color by metric (latest) '),
        select,
        picker,
        clear,
        this.status,
      ),
      h(
        'p',
        { class: 'muted hint' },
        'Drag along an axis to keep the runs in that range; click the axis to clear it. Tab to a run and press Enter to open it.',
      ),
      h('div', { class: 'parallel-wrap' }, this.plot, this.tooltip),
    );
  }

  private draw(): void {
    const c = this.compare;
    if (!c || !this.plot.isConnected || c.metrics.length === 0 || c.params.length === 0) return;
    this.width = this.plot.clientWidth || 800;
    // The lines are drawn anew: none is hovered or focused any more.
    this.plot.classList.remove('pc-has-active');
    this.tooltip.hidden = true;
    const layout = parallelLayout(c, this.axes, this.metric);
    const theme = themeKindOf([...document.body.classList]);
    // The chart fits the view (the metric axis and the colour scale stay on screen) unless the
    // user picked more axes than fit at 96 px each.
    const width = Math.max(this.width, 96 * layout.axes.length + MARGIN.left + MARGIN.right);
    const plotWidth = width - MARGIN.left - MARGIN.right;
    const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
    const n = layout.axes.length;
    const xs = layout.axes.map((_, i) => MARGIN.left + (n === 1 ? 0 : (plotWidth * i) / (n - 1)));
    const y = (position: number): number => MARGIN.top + plotHeight * (1 - position);
    const svg = s('svg', {
      class: 'parallel',
      width,
      height: HEIGHT,
      viewBox: `0 0 ${width} ${HEIGHT}`,
      role: 'group',
      'aria-label': `Parallel coordinates of ${layout.axes.length - 1} parameters against ${this.metric}`,
    });
    const linesLayer = s('g', { class: 'pc-lines' });
    const matching = layout.lines.filter((line) => passesBrushes(layout, line, this.brushes));
    const colorOf = (line: Polyline): string =>
      line.colorPosition === null ? 'var(--sextant-muted)' : metricColor(line.colorPosition, theme);
    // Filtered-out runs first, so the matching ones are drawn on top.
    const ordered = [
      ...layout.lines.filter((l) => !matching.includes(l)),
      ...matching.sort((a, b) => (a.colorPosition ?? -1) - (b.colorPosition ?? -1)),
    ];
    for (const line of ordered) {
      linesLayer.append(
        this.lineElement(layout, line, xs, y, colorOf(line), matching.includes(line)),
      );
    }
    this.highlight = s('g', { class: 'pc-highlight-layer' });
    svg.append(linesLayer, this.highlight);
    const spacing = n === 1 ? plotWidth : plotWidth / (n - 1);
    layout.axes.forEach((axis, i) =>
      svg.append(this.axisElement(layout, i, xs[i]!, y, plotHeight, spacing)),
    );
    svg.append(this.legend(layout, theme, width, plotHeight));
    replaceChildren(this.plot, svg);
    const hidden =
      layout.hiddenParams > 0
        ? ` · ${layout.hiddenParams} parameter${layout.hiddenParams === 1 ? '' : 's'} not drawn (pick under Axes)`
        : '';
    this.status.textContent = `${matching.length} of ${layout.lines.length} runs in range${hidden}`;
  }

  private lineElement(
    layout: ParallelLayout,
    line: Polyline,
    xs: number[],
    y: (p: number) => number,
    color: string,
    matches: boolean,
  ): SVGGElement {
    const d = linePath(line.positions, xs, y);
    const summary = layout.axes.map((a, i) => `${a.label} ${line.values[i]}`).join(', ');
    const group = s(
      'g',
      {
        class: matches ? 'pc-run' : 'pc-run pc-filtered',
        tabindex: 0,
        role: 'button',
        'data-run-id': line.runId,
        'aria-label': `Run ${line.runName}: ${summary}${matches ? '' : ' (filtered out)'}`,
      },
      s('path', { class: 'pc-hit', d }),
      s('path', { class: 'pc-line', d, stroke: matches ? color : 'currentColor' }),
    );
    const show = (event?: MouseEvent): void => {
      if (!group.classList.contains('pc-active')) {
        replaceChildren(
          this.highlight,
          s('path', { class: 'pc-line pc-highlight', d, stroke: matches ? color : 'currentColor' }),
        );
      }
      group.classList.add('pc-active');
      this.plot.classList.add('pc-has-active');
      this.showTooltip(layout, line, event, xs, y);
    };
    const hide = (): void => {
      group.classList.remove('pc-active');
      replaceChildren(this.highlight);
      this.plot.classList.remove('pc-has-active');
      this.tooltip.hidden = true;
    };
    group.addEventListener('mousemove', (e) => show(e));
    group.addEventListener('mouseleave', hide);
    group.addEventListener('focus', () => show());
    group.addEventListener('blur', hide);
    group.addEventListener('click', () => this.events.onOpenRun(line.runId));
    group.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        this.events.onOpenRun(line.runId);
      }
    });
    return group;
  }

  private showTooltip(
    layout: ParallelLayout,
    line: Polyline,
    event: MouseEvent | undefined,
    xs: number[],
    y: (p: number) => number,
  ): void {
    replaceChildren(
      this.tooltip,
      h('strong', {}, line.runName),
      h(
        'table',
        {},
        ...layout.axes.map((axis, i) =>
          h('tr', {}, h('th', { scope: 'row' }, axis.label), h('td', {}, line.values[i] ?? '—')),
        ),
      ),
    );
    this.tooltip.hidden = false;
    const box = this.plot.getBoundingClientRect();
    const last = line.positions.length - 1;
    const x = event ? event.clientX - box.left : xs[last]!;
    const top = event ? event.clientY - box.top : y(line.positions[last] ?? 0.5);
    const flip = x > box.width - 220;
    this.tooltip.style.left = `${flip ? Math.max(0, x - 220) : x + 14}px`;
    this.tooltip.style.top = `${Math.max(0, top + 10)}px`;
  }

  private axisElement(
    layout: ParallelLayout,
    index: number,
    x: number,
    y: (p: number) => number,
    plotHeight: number,
    spacing: number,
  ): SVGGElement {
    const axis = layout.axes[index]!;
    // About 6.5 px a character at the label's size; two lines of it between neighbouring axes.
    const chars = Math.max(8, Math.floor((spacing - 8) / 6.5));
    const lines = wrapLabel(axis.label, chars);
    // Tick labels sit left of the axis, in about half the room to the previous one.
    const room = index === 0 ? MARGIN.left : spacing / 2;
    const tickChars = Math.max(6, Math.min(16, Math.floor((room - 14) / 6.6)));
    const isMetric = index === layout.axes.length - 1;
    const group = s('g', {
      class: isMetric ? 'pc-axis pc-metric-axis' : 'pc-axis',
      transform: `translate(${x},0)`,
    });
    group.append(
      s('line', { class: 'pc-axis-line', x1: 0, x2: 0, y1: y(1), y2: y(0) }),
      s(
        'text',
        {
          class: 'pc-axis-label',
          x: 0,
          y: MARGIN.top - 14 - 13 * (lines.length - 1),
          'text-anchor': isMetric ? 'end' : index === 0 ? 'start' : 'middle',
        },
        ...lines.map((line, i) =>
          s('tspan', { x: isMetric ? 8 : index === 0 ? -8 : 0, dy: i === 0 ? 0 : 13 }, line),
        ),
        s('title', {}, `${axis.label}${isMetric ? ' (metric, latest value)' : ''}`),
      ),
    );
    for (const tick of axis.ticks) {
      group.append(
        s('line', { class: 'pc-tick', x1: -4, x2: 0, y1: y(tick.position), y2: y(tick.position) }),
        s(
          'text',
          { class: 'pc-tick-label', x: -7, y: y(tick.position) + 4, 'text-anchor': 'end' },
          abbreviateMiddle(tick.label, tickChars),
          s('title', {}, tick.label),
        ),
      );
    }
    const range = this.brushes[axis.id];
    const brush = s('rect', {
      class: 'pc-brush',
      x: -7,
      width: 14,
      y: range ? y(range[1]) : 0,
      height: range ? Math.max(1, y(range[0]) - y(range[1])) : 0,
    });
    if (!range) brush.setAttribute('visibility', 'hidden');
    const area = s('rect', {
      class: 'pc-brush-area',
      x: -14,
      width: 28,
      y: y(1) - 4,
      height: plotHeight + 8,
      tabindex: 0,
      role: 'slider',
      'aria-label': `Filter runs on ${axis.label}: drag a range with the mouse, or use the arrow keys; Escape clears it`,
      'aria-valuemin': 0,
      'aria-valuemax': 100,
      'aria-valuetext': range
        ? `${Math.round(range[0] * 100)}% to ${Math.round(range[1] * 100)}% of the axis`
        : 'no filter',
    });
    const toPosition = (clientY: number): number => {
      const top = (this.plot.querySelector('svg') as SVGSVGElement).getBoundingClientRect().top;
      return 1 - (clientY - top - MARGIN.top) / plotHeight;
    };
    let start: number | undefined;
    area.addEventListener('pointerdown', (e) => {
      start = toPosition(e.clientY);
      area.setPointerCapture(e.pointerId);
    });
    area.addEventListener('pointermove', (e) => {
      if (start === undefined) return;
      const [lo, hi] = brushRange(start, toPosition(e.clientY));
      brush.removeAttribute('visibility');
      brush.setAttribute('y', String(y(hi)));
      brush.setAttribute('height', String(Math.max(1, y(lo) - y(hi))));
    });
    area.addEventListener('pointerup', (e) => {
      if (start === undefined) return;
      const [lo, hi] = brushRange(start, toPosition(e.clientY));
      start = undefined;
      this.setBrush(axis.id, hi - lo < 0.02 ? undefined : [lo, hi]);
    });
    area.addEventListener('keydown', (e) => {
      const current = this.brushes[axis.id] ?? [0, 1];
      const step = 0.05;
      let next: [number, number] | undefined = current;
      // Arrow keys move the range's top; with Shift, its bottom.
      if (e.key === 'Escape' || e.key === 'Delete') next = undefined;
      else if (e.key === 'ArrowDown' && !e.shiftKey)
        next = brushRange(current[0], current[1] - step);
      else if (e.key === 'ArrowUp' && !e.shiftKey) next = brushRange(current[0], current[1] + step);
      else if (e.key === 'ArrowUp' && e.shiftKey) next = brushRange(current[0] + step, current[1]);
      else if (e.key === 'ArrowDown' && e.shiftKey)
        next = brushRange(current[0] - step, current[1]);
      else return;
      e.preventDefault();
      const whole = next && next[0] <= 0 && next[1] >= 1;
      this.setBrush(axis.id, whole ? undefined : next);
      (
        this.plot.querySelector(
          `.pc-brush-area[data-axis="${CSS.escape(axis.id)}"]`,
        ) as SVGElement | null
      )?.focus();
    });
    area.setAttribute('data-axis', axis.id);
    group.append(brush, area);
    return group;
  }

  private setBrush(axisId: string, range: [number, number] | undefined): void {
    const next = { ...this.brushes };
    if (range) next[axisId] = range;
    else delete next[axisId];
    this.brushes = next;
    this.draw();
  }

  private legend(
    layout: ParallelLayout,
    theme: ReturnType<typeof themeKindOf>,
    width: number,
    plotHeight: number,
  ): SVGGElement {
    const metrics = layout.lines.map((l) => l.metric).filter((v): v is number => v !== null);
    const id = 'pc-gradient';
    const gradient = s('linearGradient', { id, x1: 0, y1: 1, x2: 0, y2: 0 });
    for (let i = 0; i <= 10; i++) {
      gradient.append(
        s('stop', { offset: `${i * 10}%`, 'stop-color': metricColor(i / 10, theme) }),
      );
    }
    const x = width - MARGIN.right + 34;
    const group = s('g', { class: 'pc-legend', 'aria-hidden': 'true' }, s('defs', {}, gradient));
    group.append(
      s('rect', { x, y: MARGIN.top, width: 10, height: plotHeight, fill: `url(#${id})` }),
      s(
        'text',
        { class: 'pc-tick-label', x: x + 5, y: MARGIN.top - 6, 'text-anchor': 'middle' },
        metrics.length ? legendLabel(Math.max(...metrics)) : '',
      ),
      s(
        'text',
        {
          class: 'pc-tick-label',
          x: x + 5,
          y: MARGIN.top + plotHeight + 14,
          'text-anchor': 'middle',
        },
        metrics.length ? legendLabel(Math.min(...metrics)) : '',
      ),
    );
    return group;
  }
}

/** An end of the colour scale in four significant digits, so that it stays inside the plot. */
function legendLabel(value: number): string {
  return formatNumber(Number(value.toPrecision(4)));
}
