/** The chart options bar shared by the views: x axis, log scale, smoothing. */
import type { ChartOptions } from '../chart';
import { h } from './dom';

/** Builds the bar; `onChange` gets the whole new options each time one control changes. */
export function chartToolbar(
  options: ChartOptions,
  onChange: (options: ChartOptions) => void,
): HTMLElement {
  let current = { ...options };
  const update = (patch: Partial<ChartOptions>): void => {
    current = { ...current, ...patch };
    onChange(current);
  };
  const axis = h(
    'select',
    {
      id: 'x-axis',
      'aria-label': 'X axis',
      onchange: (e: Event) =>
        update({ xAxis: (e.target as HTMLSelectElement).value === 'time' ? 'time' : 'step' }),
    },
    h('option', { value: 'step', selected: current.xAxis === 'step' }, 'Step'),
    h('option', { value: 'time', selected: current.xAxis === 'time' }, 'Time'),
  );
  const log = h('input', {
    type: 'checkbox',
    id: 'log-y',
    checked: current.logY,
    onchange: (e: Event) => update({ logY: (e.target as HTMLInputElement).checked }),
  });
  const smoothing = h('input', {
    type: 'range',
    id: 'smoothing',
    min: '0',
    max: '0.99',
    step: '0.01',
    value: String(current.smoothing),
    'aria-label': 'Smoothing',
    oninput: (e: Event) => update({ smoothing: Number((e.target as HTMLInputElement).value) }),
  });
  return h(
    'div',
    { class: 'toolbar', role: 'toolbar', 'aria-label': 'Chart options' },
    h('label', { for: 'x-axis' }, 'X axis '),
    axis,
    h('label', { class: 'check' }, log, ' Log scale'),
    h('label', { for: 'smoothing' }, 'Smoothing '),
    smoothing,
  );
}
