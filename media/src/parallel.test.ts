import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunsCompareResult } from '@sextant/language-server/protocol';
import {
  MAX_PARAM_AXES,
  brushRange,
  chartParams,
  linePath,
  metricColor,
  niceTicks,
  parallelLayout,
  passesBrushes,
  themeKindOf,
} from './parallel';

const run = (runId: string) => ({
  runId,
  runName: `run-${runId}`,
  experimentId: '1',
  status: 'FINISHED' as const,
  startTime: 0,
  endTime: 0,
  lifecycleStage: 'active' as const,
  metrics: {},
});

const stats = (latest: number) => ({ latest, step: 1, min: latest, max: latest });

const compare: RunsCompareResult = {
  runs: [run('a'), run('b'), run('c'), run('d')],
  params: [
    { key: 'batch', values: ['16', '32', '64', '128'], differs: true },
    { key: 'opt', values: ['sgd', 'adam', null, 'adam'], differs: true },
    { key: 'seed', values: ['7', '7', '7', '7'], differs: false },
  ],
  metrics: [{ key: 'loss', runs: [stats(0.5), stats(0.3), stats(0.1), null] }],
};

test('niceTicks gives round values inside the range', () => {
  assert.deepEqual(niceTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(16, 128), [20, 40, 60, 80, 100, 120]);
  assert.deepEqual(niceTicks(3, 3), [3]);
});

test('numeric params get a linear axis, text params evenly spaced categories', () => {
  const layout = parallelLayout(compare, ['batch', 'opt', 'seed'], 'loss');
  assert.deepEqual(
    layout.axes.map((a) => [a.id, a.kind]),
    [
      ['param:batch', 'numeric'],
      ['param:opt', 'categorical'],
      ['param:seed', 'categorical'],
      ['metric:loss', 'numeric'],
    ],
  );
  const [batch, opt, seed, loss] = layout.axes;
  assert.ok(batch!.ticks.every((t) => t.position >= 0 && t.position <= 1));
  assert.deepEqual(
    opt!.ticks.map((t) => [t.label, t.position]),
    [
      ['adam', 0],
      ['sgd', 1],
    ],
  );
  assert.deepEqual(seed!.ticks, [{ position: 0.5, label: '7' }]);
  assert.ok(loss!.ticks.length > 1);
  const a = layout.lines[0]!;
  assert.deepEqual(a.positions, [0, 1, 0.5, 1]);
  assert.deepEqual(a.values, ['16', 'sgd', '7', '0.5']);
  const c = layout.lines[2]!;
  assert.equal(c.positions[1], null, 'a missing param has no position');
  assert.equal(c.values[1], '—');
  assert.equal(c.colorPosition, 0);
  const d = layout.lines[3]!;
  assert.equal(d.metric, null);
  assert.equal(d.colorPosition, null);
  assert.equal(layout.hiddenParams, 0);
});

test('few distinct numbers read as categories, numerically ordered', () => {
  const layout = parallelLayout(
    {
      ...compare,
      params: [{ key: 'lr', values: ['0.1', '0.01', '0.001', '0.1'], differs: true }],
    },
    ['lr'],
    'loss',
  );
  assert.equal(layout.axes[0]!.kind, 'categorical');
  assert.deepEqual(
    layout.axes[0]!.ticks.map((t) => t.label),
    ['0.001', '0.01', '0.1'],
  );
});

test('chartParams puts differing params first and caps the axes', () => {
  assert.deepEqual(chartParams(compare), ['batch', 'opt', 'seed']);
  const many = {
    ...compare,
    params: Array.from({ length: 20 }, (_, i) => ({
      key: `p${String(i).padStart(2, '0')}`,
      values: ['1', '1', '1', '1'],
      differs: i % 2 === 1,
    })),
  };
  const keys = chartParams(many);
  assert.equal(keys.length, MAX_PARAM_AXES);
  assert.deepEqual(keys.slice(0, 3), ['p01', 'p03', 'p05']);
  assert.equal(parallelLayout(many, keys, 'loss').hiddenParams, 20 - MAX_PARAM_AXES);
});

test('brushes keep the runs inside every range; a missing value is outside', () => {
  const layout = parallelLayout(compare, ['batch', 'opt'], 'loss');
  const kept = (brushes: Record<string, [number, number]>) =>
    layout.lines.filter((l) => passesBrushes(layout, l, brushes)).map((l) => l.runId);
  assert.deepEqual(kept({}), ['a', 'b', 'c', 'd']);
  assert.deepEqual(kept({ 'param:opt': [0, 0.1] }), ['b', 'd']);
  assert.deepEqual(kept({ 'param:opt': [0, 0.1], 'metric:loss': [0.4, 1] }), ['b']);
  assert.deepEqual(brushRange(0.8, -0.2), [0, 0.8]);
});

test('linePath breaks at missing values', () => {
  const y = (p: number) => 100 - p * 100;
  assert.equal(linePath([0, 1, null, 0.5], [0, 10, 20, 30], y), 'M0.0,100.0 L10.0,0.0 M30.0,50.0');
});

test('the color scale drops the end that matches the background', () => {
  assert.equal(themeKindOf(['vscode-dark']), 'dark');
  assert.equal(themeKindOf(['vscode-high-contrast', 'vscode-dark']), 'high-contrast');
  assert.equal(themeKindOf(['vscode-high-contrast-light']), 'high-contrast-light');
  assert.equal(themeKindOf([]), 'light');
  const luminance = (rgb: string) => {
    const [r, g, b] = rgb.match(/\d+/g)!.map(Number);
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  };
  assert.ok(luminance(metricColor(0, 'dark')) > luminance(metricColor(0, 'light')));
  assert.ok(luminance(metricColor(1, 'light')) < luminance(metricColor(1, 'dark')));
  assert.ok(luminance(metricColor(0, 'high-contrast')) > 80, 'visible on black');
  assert.ok(luminance(metricColor(1, 'high-contrast-light')) < 170, 'visible on white');
  assert.ok(luminance(metricColor(1, 'light')) > luminance(metricColor(0, 'light')));
});
