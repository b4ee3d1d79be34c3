import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Experiment, RunSummary } from '@sextant/language-server/protocol';
import {
  childRunsFilter,
  experimentItem,
  nestRuns,
  keyMetricOf,
  runIcon,
  runItem,
  shortNumber,
  statusBarText,
  targetRuns,
  withLatestMetrics,
  type ExperimentsNode,
} from './model';

const run = (overrides: Partial<RunSummary> = {}): RunSummary => ({
  runId: 'abcdef0123456789',
  runName: 'bright-owl-1',
  experimentId: '1',
  status: 'FINISHED',
  startTime: 1_000,
  endTime: 126_000,
  lifecycleStage: 'active',
  metrics: { loss: 0.123456, accuracy: 0.9 },
  ...overrides,
});

test('a running run spins and shows its duration so far', () => {
  const item = runItem(run({ status: 'RUNNING', endTime: null }), { now: 13_300 });
  assert.deepEqual(item.icon, { id: 'loading~spin' });
  assert.equal(item.description, 'accuracy=0.9 · 12.3s');
  assert.equal(item.contextValue, 'run.active');
  assert.equal(item.id, 'run:abcdef0123456789');
});

test('a finished run shows the preferred key metric and its duration', () => {
  const item = runItem(run(), { keyMetric: 'loss', now: 0 });
  assert.equal(item.description, 'loss=0.1235 · 2m 05s');
  assert.equal(item.icon?.id, 'pass');
  assert.match(item.tooltip!, /Run ID: abcdef0123456789/);
});

test('status icons follow the status, and deleted runs show a bin', () => {
  assert.equal(runIcon({ status: 'FAILED', lifecycleStage: 'active' }).id, 'error');
  assert.equal(runIcon({ status: 'KILLED', lifecycleStage: 'active' }).id, 'circle-slash');
  assert.equal(runIcon({ status: 'RUNNING', lifecycleStage: 'deleted' }).id, 'trash');
  assert.equal(runItem(run({ lifecycleStage: 'deleted' }), { now: 0 }).contextValue, 'run.deleted');
});

test('a run without a name is labelled by its id prefix, without metrics by duration only', () => {
  const item = runItem(run({ runName: '', metrics: {} }), { now: 0 });
  assert.equal(item.label, 'abcdef01');
  assert.equal(item.description, '2m 05s');
});

test('keyMetricOf falls back to the first key when the preferred one is missing', () => {
  assert.deepEqual(keyMetricOf({ b: 2, a: 1 }, 'loss'), ['a', 1]);
  assert.deepEqual(keyMetricOf({ b: 2, loss: 3 }, 'loss'), ['loss', 3]);
  assert.equal(keyMetricOf({}), undefined);
});

test('shortNumber keeps metric values short', () => {
  assert.equal(shortNumber(3), '3');
  assert.equal(shortNumber(0.000012345), '1.23e-5');
  assert.equal(shortNumber(123456.7), '1.23e+5');
  assert.equal(shortNumber(null), 'NaN');
});

test('the active experiment is marked and expanded', () => {
  const experiment: Experiment = {
    experimentId: '7',
    name: 'mnist',
    artifactLocation: 'mlflow-artifacts:/7',
    lifecycleStage: 'active',
    creationTime: 0,
    lastUpdateTime: 0,
    tags: [],
  };
  assert.equal(experimentItem(experiment, true).collapsible, 'expanded');
  assert.equal(experimentItem(experiment, true).description, 'active');
  assert.equal(experimentItem(experiment, false).collapsible, 'collapsed');
  const noted = { ...experiment, tags: [{ key: 'mlflow.note.content', value: 'Iris baselines' }] };
  assert.match(
    experimentItem(noted, false).tooltip!,
    /Experiment ID: 7\n[\s\S]*\n\nIris baselines$/,
  );
  const deleted = experimentItem({ ...experiment, lifecycleStage: 'deleted' }, true);
  assert.deepEqual(
    [deleted.contextValue, deleted.icon?.id, deleted.description],
    ['experiment.deleted', 'trash', 'deleted'],
  );
});

test("the experiment's best run is starred, and its tooltip says by what", () => {
  const item = runItem(run(), { keyMetric: 'loss', now: 0, best: 'best run by loss (lowest)' });
  assert.equal(item.description, '★ best · loss=0.1235 · 2m 05s');
  assert.match(item.tooltip!, /★ The best run by loss \(lowest\)/);
});

test('statusBarText shows the address and the running count', () => {
  assert.equal(statusBarText(undefined, 0), '$(beaker) Sextant: starting…');
  assert.equal(statusBarText('http://127.0.0.1:5000', 0), '$(beaker) Sextant 127.0.0.1:5000');
  assert.equal(
    statusBarText('http://127.0.0.1:5000/', 2),
    '$(beaker) Sextant 127.0.0.1:5000 · $(loading~spin) 2 running',
  );
});

test('targetRuns prefers the multi-selection, then the clicked node, then the tree selection', () => {
  const a: ExperimentsNode = { kind: 'run', run: run({ runId: 'a' }) };
  const b: ExperimentsNode = { kind: 'run', run: run({ runId: 'b' }) };
  const more: ExperimentsNode = { kind: 'more', experimentId: '1' };
  assert.deepEqual(
    targetRuns(a, [a, b, more], []).map((r) => r.runId),
    ['a', 'b'],
  );
  assert.deepEqual(
    targetRuns(b, undefined, [a]).map((r) => r.runId),
    ['b'],
  );
  assert.deepEqual(
    targetRuns(undefined, undefined, [a, a, b]).map((r) => r.runId),
    ['a', 'b'],
  );
  assert.deepEqual(targetRuns(more, undefined, []), []);
});

test('withLatestMetrics puts new latest values in the summary', () => {
  const updated = withLatestMetrics(run(), [{ key: 'loss', value: 0.42, step: 60, timestamp: 0 }]);
  assert.deepEqual(updated.metrics, { loss: 0.42, accuracy: 0.9 });
  assert.equal(runItem(updated, { keyMetric: 'loss', now: 0 }).description, 'loss=0.42 · 2m 05s');
});

test('nestRuns nests children under parents of the page and keeps orphans at the top', () => {
  const runs = [
    run({ runId: 'p', runName: 'parent' }),
    run({ runId: 'c1', parentRunId: 'p' }),
    run({ runId: 'g', parentRunId: 'c1' }),
    run({ runId: 'o', parentRunId: 'not-in-page' }),
    run({ runId: 'c2', parentRunId: 'p' }),
    run({ runId: 'x', parentRunId: 'y' }),
    run({ runId: 'y', parentRunId: 'x' }),
  ];
  const { roots, children } = nestRuns(runs);
  assert.deepEqual(
    roots.map((r) => r.runId),
    ['p', 'o', 'x', 'y'],
  );
  assert.deepEqual(
    children.get('p')!.map((r) => r.runId),
    ['c1', 'c2'],
  );
  assert.deepEqual(
    children.get('c1')!.map((r) => r.runId),
    ['g'],
  );
  assert.equal(runItem(runs[0]!, { now: 0, hasChildren: true }).collapsible, 'collapsed');
  assert.equal(runItem(runs[1]!, { now: 0 }).collapsible, 'none');
  assert.match(runItem(runs[1]!, { now: 0 }).tooltip!, /Parent run: p/);
});

test('childRunsFilter adds the parent clause to the user filter and quotes safely', () => {
  assert.equal(childRunsFilter('abc', undefined), "tags.mlflow.parentRunId = 'abc'");
  assert.equal(
    childRunsFilter("a'b", 'metrics.loss < 1'),
    "metrics.loss < 1 and tags.mlflow.parentRunId = 'a''b'",
  );
});

test('the status bar says when the server is stopped', () => {
  assert.equal(statusBarText(undefined, 0, 'stopped'), '$(debug-stop) Sextant: stopped');
  assert.equal(statusBarText(undefined, 0, 'starting'), '$(beaker) Sextant: starting…');
});
