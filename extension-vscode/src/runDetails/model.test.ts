import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Run } from '@sextant/language-server/protocol';
import { artifactNodes, detailContextValue, isSystemTag, runDetailSections } from './model';

const run: Run = {
  info: {
    runId: 'r1',
    runName: 'first',
    experimentId: '1',
    userId: 'ada',
    status: 'RUNNING',
    startTime: 0,
    endTime: null,
    artifactUri: 'mlflow-artifacts:/1/r1/artifacts',
    lifecycleStage: 'active',
  },
  data: {
    metrics: [{ key: 'loss', value: 0.5, timestamp: 0, step: 3 }],
    params: [
      { key: 'lr', value: '0.1' },
      { key: 'batch', value: '32' },
    ],
    tags: [
      { key: 'mlflow.source.git.commit', value: '0123456789abcdef0123' },
      { key: 'team', value: 'vision' },
    ],
  },
  inputs: { datasetInputs: [], modelInputs: [] },
  outputs: { modelOutputs: [] },
};

test('sections: overview, params sorted, metrics, user tags, artifacts', () => {
  const sections = runDetailSections(run, [{ path: 'model', isDir: true }], 65_000);
  assert.deepEqual(
    sections.map((s) => s.label),
    ['first', 'Parameters', 'Metrics', 'Tags', 'Artifacts'],
  );
  const [overview, params, metrics, tags, artifacts] = sections;
  const row = (label: string) => overview!.children!.find((c) => c.label === label);
  assert.equal(row('Duration')!.description, '1m 05s');
  assert.equal(row('Source commit')!.description, '0123456789ab');
  assert.equal(row('Source commit')!.copyValue, '0123456789abcdef0123');
  assert.equal(row('Status')!.icon!.id, 'loading~spin');
  assert.deepEqual(
    params!.children!.map((c) => c.label),
    ['batch', 'lr'],
  );
  assert.equal(metrics!.children![0]!.description, '0.5 (step 3)');
  assert.deepEqual(
    tags!.children!.map((c) => c.label),
    ['team'],
  );
  assert.equal(artifacts!.children![0]!.label, 'model/');
});

test('an empty section says so', () => {
  const sections = runDetailSections(
    { ...run, data: { metrics: [], params: [], tags: [] } },
    [],
    0,
  );
  assert.equal(sections[1]!.description, '0');
  assert.deepEqual(
    sections[1]!.children!.map((c) => c.label),
    ['none'],
  );
});

test('system tags are those of mlflow and sextant', () => {
  assert.ok(isSystemTag('mlflow.runName'));
  assert.ok(isSystemTag('sextant.notebook'));
  assert.ok(!isSystemTag('team'));
});

test('artifact rows: folders expand lazily, files open; each has its context value', () => {
  const rows = artifactNodes('r1', [
    { path: 'plots', isDir: true },
    { path: 'plots/curve.png', isDir: false, fileSize: 2048 },
  ]);
  assert.deepEqual(
    rows.map((r) => [r.label, r.description, detailContextValue(r), r.children]),
    [
      ['plots/', undefined, 'artifact.dir', undefined],
      ['curve.png', '2.0 KiB', 'artifact.file', undefined],
    ],
  );
  assert.deepEqual(rows[1]!.artifact, { runId: 'r1', path: 'plots/curve.png', isDir: false });
  assert.deepEqual(
    artifactNodes('r1', []).map((r) => r.label),
    ['empty'],
  );
  assert.equal(detailContextValue({ label: 'x', copyValue: 'v' }), 'detail.copyable');
  assert.equal(detailContextValue({ label: 'x' }), 'detail');
});
