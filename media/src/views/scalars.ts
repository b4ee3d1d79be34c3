/**
 * The scalars of a comparison: a table of the runs (rows) against their single-value metrics
 * (columns), sortable on any column, the best value per metric marked with a direction the user
 * can flip, and a bar chart per metric across the runs.
 */
import type { RunsCompareResult } from '@sextant/language-server/protocol';
import { formatNumber } from '../chart';
import { bestIndex, defaultDirection, sortedOrder, type Direction } from '../metricKinds';
import { renderBars, runColor } from './charts';
import { h, replaceChildren } from './dom';

/** How the scalar table is sorted and which directions the user flipped. */
export interface ScalarsState {
  sortKey?: string;
  descending?: boolean;
  directions?: Record<string, Direction>;
}

/** A metric name with line breaks allowed after `_`, `/` and `.`, so long names wrap between words. */
function breakable(key: string): (string | HTMLElement)[] {
  return key.split(/(?<=[_/.])/).flatMap((part, i) => (i === 0 ? [part] : [h('wbr'), part]));
}

/** Draws the scalar table and bars of `keys` into `section`; `onChange` saves the new state. */
export function drawScalars(
  section: HTMLElement,
  compare: RunsCompareResult,
  keys: readonly string[],
  state: ScalarsState,
  onChange: (next: ScalarsState) => void,
  onOpenRun: (runId: string) => void,
): void {
  if (keys.length === 0) {
    replaceChildren(section);
    section.hidden = true;
    return;
  }
  section.hidden = false;
  const runIds = compare.runs.map((r) => r.runId);
  const direction = (key: string): Direction => state.directions?.[key] ?? defaultDirection(key);
  const column = (key: string): (number | null)[] =>
    compare.runs.map((_, i) => compare.metrics.find((m) => m.key === key)?.runs[i]?.latest ?? null);
  const order =
    state.sortKey && keys.includes(state.sortKey)
      ? sortedOrder(column(state.sortKey), state.descending ?? false)
      : compare.runs.map((_, i) => i);
  const best = new Map(keys.map((key) => [key, bestIndex(column(key), direction(key))]));
  const header = keys.map((key) => {
    const sorted = state.sortKey === key;
    const dir = direction(key);
    return h(
      'th',
      {
        scope: 'col',
        'aria-sort': sorted ? (state.descending ? 'descending' : 'ascending') : 'none',
        title: key,
      },
      h(
        'button',
        {
          class: 'link sort',
          'data-key': key,
          onclick: () =>
            onChange({
              ...state,
              sortKey: key,
              descending: sorted ? !state.descending : dir === 'higher',
            }),
        },
        ...breakable(key),
        sorted ? (state.descending ? ' ▼' : ' ▲') : '',
      ),
      h(
        'button',
        {
          class: 'link direction',
          title: `Best is ${dir === 'lower' ? 'the lowest' : 'the highest'} value: click to flip`,
          'aria-label': `${key}: best is ${dir}; flip`,
          onclick: () =>
            onChange({
              ...state,
              directions: { ...state.directions, [key]: dir === 'lower' ? 'higher' : 'lower' },
            }),
        },
        dir === 'lower' ? '↓ best' : '↑ best',
      ),
    );
  });
  const rows = order.map((i) => {
    const run = compare.runs[i]!;
    return h(
      'tr',
      {},
      h(
        'th',
        { scope: 'row' },
        h(
          'button',
          { class: 'link', title: run.runId, onclick: () => onOpenRun(run.runId) },
          h('span', { class: 'swatch', style: `background:${runColor(i)}` }),
          run.runName || run.runId.slice(0, 8),
        ),
      ),
      ...keys.map((key) => {
        const value = column(key)[i];
        const isBest = best.get(key) === i;
        return h(
          'td',
          { class: isBest ? 'num best' : 'num', title: isBest ? 'Best' : undefined },
          value === null ? '—' : formatNumber(value),
          isBest ? ' ★' : '',
        );
      }),
    );
  });
  const bars = h('div', { class: 'charts bars' });
  replaceChildren(
    section,
    h('h2', {}, 'Scalars'),
    h(
      'p',
      { class: 'muted hint' },
      'Single-value metrics, latest per run. Click a name to sort; ★ marks the best (flip with ↑/↓).',
    ),
    h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        { class: 'data scalars' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Run'), ...header)),
        h('tbody', {}, ...rows),
      ),
    ),
    bars,
  );
  if (compare.runs.length < 2) return;
  for (const key of keys) {
    const chart = h('div', { class: 'chart', 'data-metric': key });
    bars.append(h('figure', { class: 'chart-card', 'aria-label': `Bars of ${key}` }, chart));
    const values = column(key);
    const b = best.get(key) ?? -1;
    renderBars(
      chart,
      key,
      compare.runs.flatMap((run, i) =>
        values[i] === null
          ? []
          : [
              {
                runId: run.runId,
                runName: run.runName || run.runId.slice(0, 8),
                value: values[i]!,
              },
            ],
      ),
      runIds,
      b >= 0 ? runIds[b] : undefined,
    );
  }
}
