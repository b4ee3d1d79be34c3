/**
 * Layout of a parallel-coordinates chart of params against a metric, as plain data: one axis per
 * param (numeric axes scaled linearly, categorical axes with evenly spaced values), the metric's
 * latest value last, one polyline per run colored by the metric, and brushing as ranges on axes.
 * The SVG view (`views/parallel.ts`) draws it; everything here is testable without a DOM.
 */
import type { RunsCompareResult } from '@sextant/language-server/protocol';
import { formatNumber } from './chart';

/** A tick of an axis: where (0 at the bottom, 1 at the top) and its label. */
export interface Tick {
  position: number;
  label: string;
}

/** One vertical axis. */
export interface Axis {
  /** `param:<key>` or `metric:<key>`. */
  id: string;
  label: string;
  kind: 'numeric' | 'categorical';
  ticks: Tick[];
}

/** One run across the axes. */
export interface Polyline {
  runId: string;
  runName: string;
  /** Position on each axis (0 bottom, 1 top), null where the run has no value. */
  positions: (number | null)[];
  /** The run's value on each axis as text, '—' where it has none. */
  values: string[];
  /** The metric's latest value, null where the run lacks it. */
  metric: number | null;
  /** Place of the metric in [0, 1] over the runs' range (0.5 when they are all equal). */
  colorPosition: number | null;
}

/** The whole chart. */
export interface ParallelLayout {
  axes: Axis[];
  lines: Polyline[];
  /** Params left out to keep the chart readable. */
  hiddenParams: number;
}

/** A brushed range on one axis, in positions (0 bottom, 1 top), low ≤ high. */
export type Brushes = Record<string, [number, number]>;

/** Most param axes drawn; differing params come first. */
export const MAX_PARAM_AXES = 12;

function isNumeric(values: readonly string[]): boolean {
  return values.length > 0 && values.every((v) => v.trim() !== '' && Number.isFinite(Number(v)));
}

/** About `count` round tick values covering [min, max] (1, 2 or 5 times a power of ten apart). */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min === max) return [min];
  const raw = (max - min) / Math.max(1, count);
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const ratio = raw / power;
  const step =
    power *
    (ratio >= Math.sqrt(50) ? 10 : ratio >= Math.sqrt(10) ? 5 : ratio >= Math.sqrt(2) ? 2 : 1);
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step) {
    ticks.push(Number(t.toPrecision(12)));
  }
  return ticks;
}

/** Maps values of a numeric axis to positions; equal values sit in the middle. */
function numericScale(values: readonly number[]): {
  at: (v: number) => number;
  ticks: Tick[];
} {
  const min = Math.min(...values);
  const max = Math.max(...values);
  if (min === max) return { at: () => 0.5, ticks: [{ position: 0.5, label: formatNumber(min) }] };
  const at = (v: number): number => (v - min) / (max - min);
  const ticks = niceTicks(min, max).map((t) => ({ position: at(t), label: formatNumber(t) }));
  return { at, ticks };
}

/** Sorts categorical values: numerically when they are all numbers, else as text. */
function categories(values: readonly string[]): string[] {
  const unique = [...new Set(values)];
  return isNumeric(unique)
    ? unique.sort((a, b) => Number(a) - Number(b))
    : unique.sort((a, b) => a.localeCompare(b));
}

/** The params drawn: those that differ first, then the rest, at most {@link MAX_PARAM_AXES}. */
export function chartParams(compare: RunsCompareResult): string[] {
  const differing = compare.params.filter((p) => p.differs).map((p) => p.key);
  const same = compare.params.filter((p) => !p.differs).map((p) => p.key);
  return [...differing, ...same].slice(0, MAX_PARAM_AXES);
}

/**
 * The chart of `paramKeys` against `metricKey` for the compared runs. A param whose present
 * values are all numbers gets a linear axis when it has more than three distinct values; with
 * fewer, or with text values, each value is a category, evenly spaced and labelled exactly (an
 * axis of 0.1, 0.01, 0.001 reads better so than as a linear scale).
 */
export function parallelLayout(
  compare: RunsCompareResult,
  paramKeys: readonly string[],
  metricKey: string,
): ParallelLayout {
  const axes: Axis[] = [];
  const columns: { positions: (number | null)[]; values: string[] }[] = [];
  for (const key of paramKeys) {
    const param = compare.params.find((p) => p.key === key);
    if (!param) continue;
    const present = param.values.filter((v): v is string => v !== null);
    const values = param.values.map((v) => v ?? '—');
    const distinct = new Set(present);
    if (isNumeric(present) && distinct.size > 3) {
      const scale = numericScale(present.map(Number));
      axes.push({ id: `param:${key}`, label: key, kind: 'numeric', ticks: scale.ticks });
      columns.push({
        positions: param.values.map((v) => (v === null ? null : scale.at(Number(v)))),
        values,
      });
    } else {
      const cats = categories(present);
      const at = (v: string): number =>
        cats.length === 1 ? 0.5 : cats.indexOf(v) / (cats.length - 1);
      axes.push({
        id: `param:${key}`,
        label: key,
        kind: 'categorical',
        ticks: cats.map((c) => ({ position: at(c), label: c })),
      });
      columns.push({ positions: param.values.map((v) => (v === null ? null : at(v))), values });
    }
  }
  const metric = compare.metrics.find((m) => m.key === metricKey);
  const latest = compare.runs.map((_, i) => metric?.runs[i]?.latest ?? null);
  const finite = latest.filter((v): v is number => v !== null && Number.isFinite(v));
  const scale = finite.length > 0 ? numericScale(finite) : undefined;
  axes.push({
    id: `metric:${metricKey}`,
    label: metricKey,
    kind: 'numeric',
    ticks: scale?.ticks ?? [],
  });
  const metricPositions = latest.map((v) =>
    v !== null && Number.isFinite(v) && scale ? scale.at(v) : null,
  );
  columns.push({
    positions: metricPositions,
    values: latest.map((v) => (v === null ? '—' : formatNumber(v))),
  });
  const lines = compare.runs.map((run, i) => ({
    runId: run.runId,
    runName: run.runName || run.runId.slice(0, 8),
    positions: columns.map((c) => c.positions[i] ?? null),
    values: columns.map((c) => c.values[i] ?? '—'),
    metric: latest[i] ?? null,
    colorPosition: metricPositions[i] ?? null,
  }));
  const hiddenParams = Math.max(0, compare.params.length - paramKeys.length);
  return { axes, lines, hiddenParams };
}

/** True when the line lies inside every brushed range (a missing value is outside a brush). */
export function passesBrushes(layout: ParallelLayout, line: Polyline, brushes: Brushes): boolean {
  return layout.axes.every((axis, i) => {
    const range = brushes[axis.id];
    if (!range) return true;
    const p = line.positions[i];
    return p !== null && p !== undefined && p >= range[0] - 1e-9 && p <= range[1] + 1e-9;
  });
}

/**
 * SVG path data of a line across axes at `xs`, with `y(position)` giving pixels; a missing value
 * breaks the line there.
 */
export function linePath(
  positions: readonly (number | null)[],
  xs: readonly number[],
  y: (position: number) => number,
): string {
  const parts: string[] = [];
  let drawing = false;
  positions.forEach((p, i) => {
    if (p === null) {
      drawing = false;
      return;
    }
    parts.push(`${drawing ? 'L' : 'M'}${xs[i]!.toFixed(1)},${y(p).toFixed(1)}`);
    drawing = true;
  });
  return parts.join(' ');
}

/** How the host draws: its theme decides which part of the color scale stays readable. */
export type ThemeKind = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';

/** The theme of a VS Code webview body from its classes (`vscode-dark`, …); light elsewhere. */
export function themeKindOf(classes: readonly string[]): ThemeKind {
  if (classes.includes('vscode-high-contrast-light')) return 'high-contrast-light';
  if (classes.includes('vscode-high-contrast')) return 'high-contrast';
  if (classes.includes('vscode-dark')) return 'dark';
  return 'light';
}

/** Stops of the viridis scale (perceptually uniform, readable by color-blind people). */
const VIRIDIS: readonly [number, number, number][] = [
  [68, 1, 84],
  [72, 40, 120],
  [62, 74, 137],
  [49, 104, 142],
  [38, 130, 142],
  [31, 158, 137],
  [53, 183, 121],
  [109, 205, 89],
  [180, 222, 44],
  [253, 231, 37],
];

/**
 * The part of viridis used on each theme: its dark end disappears on a dark background and its
 * light end on a white one, so each theme drops the end that matches its background.
 */
const SCALE_RANGE: Record<ThemeKind, [number, number]> = {
  light: [0, 0.85],
  'high-contrast-light': [0, 0.7],
  dark: [0.25, 1],
  'high-contrast': [0.35, 1],
};

/** The color of a metric at `position` in [0, 1] (low to high) for a theme, as `rgb(r, g, b)`. */
export function metricColor(position: number, theme: ThemeKind): string {
  const [from, to] = SCALE_RANGE[theme];
  const t = (from + (to - from) * Math.min(1, Math.max(0, position))) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(t));
  const f = t - i;
  const a = VIRIDIS[i]!;
  const b = VIRIDIS[i + 1]!;
  const mix = (k: 0 | 1 | 2): number => Math.round(a[k] + (b[k] - a[k]) * f);
  return `rgb(${mix(0)}, ${mix(1)}, ${mix(2)})`;
}

/** A brush range from two positions in any order, clamped to [0, 1]. */
export function brushRange(a: number, b: number): [number, number] {
  const clamp = (v: number): number => Math.min(1, Math.max(0, v));
  return [clamp(Math.min(a, b)), clamp(Math.max(a, b))];
}
