import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Engine } from '../engine';
import { SextantError } from '../model/errors';
import { RAW_SAMPLE_LIMIT } from './sampleSql';
import type { TrackingService } from './service';

let engine: Engine;
let tracking: TrackingService;
let dir: string;

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-store-'));
  engine = Engine.open({ storeDir: dir });
  tracking = engine.tracking;
});
after(async () => {
  await engine.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const rejectsWith = (promise: Promise<unknown>, code: string) =>
  assert.rejects(promise, (e: unknown) => e instanceof SextantError && e.code === code);

describe('experiments', () => {
  it('has the Default experiment 0 and refuses to delete it', async () => {
    assert.equal((await tracking.getExperiment('0')).name, 'Default');
    await rejectsWith(tracking.deleteExperiment('0'), 'INVALID_PARAMETER_VALUE');
  });

  it('creates, renames, deletes and restores, with runs following', async () => {
    const id = await tracking.createExperiment('exp-a', undefined, [{ key: 'team', value: 'x' }]);
    await rejectsWith(tracking.createExperiment('exp-a'), 'RESOURCE_ALREADY_EXISTS');
    const run = await tracking.createRun({ experimentId: id });
    await tracking.renameExperiment(id, 'exp-b');
    assert.equal((await tracking.getExperimentByName('exp-b'))?.experimentId, id);
    assert.equal((await tracking.getExperiment(id)).artifactLocation, `mlflow-artifacts:/${id}`);
    await tracking.deleteExperiment(id);
    assert.equal((await tracking.getRun(run.info.runId)).info.lifecycleStage, 'deleted');
    const active = await tracking.searchExperiments({});
    assert.ok(!active.items.some((e) => e.experimentId === id));
    await tracking.restoreExperiment(id);
    assert.equal((await tracking.getRun(run.info.runId)).info.lifecycleStage, 'active');
  });

  it('pages with tokens', async () => {
    for (let i = 0; i < 5; i++) await tracking.createExperiment(`page-${i}`);
    const first = await tracking.searchExperiments({ maxResults: 3, filter: "name LIKE 'page-%'" });
    assert.equal(first.items.length, 3);
    assert.ok(first.nextPageToken);
    const second = await tracking.searchExperiments({
      maxResults: 3,
      filter: "name LIKE 'page-%'",
      pageToken: first.nextPageToken,
    });
    assert.equal(second.items.length, 2);
    assert.equal(second.nextPageToken, undefined);
    await rejectsWith(
      tracking.searchExperiments({ pageToken: 'garbage!' }),
      'INVALID_PARAMETER_VALUE',
    );
  });
});

describe('runs', () => {
  it('logs params once, upserts tags, keeps the latest metric by step', async () => {
    const run = await tracking.createRun({ runName: 'r' });
    const id = run.info.runId;
    await tracking.logBatch(
      id,
      [
        { key: 'loss', value: 3, step: 2, timestamp: 10 },
        { key: 'loss', value: 9, step: 1, timestamp: 20 },
        { key: 'loss', value: 3, step: 2, timestamp: 10 },
      ],
      [{ key: 'lr', value: '0.1' }],
      [{ key: 't', value: 'a' }],
    );
    await tracking.logParam(id, { key: 'lr', value: '0.1' });
    await rejectsWith(
      tracking.logParam(id, { key: 'lr', value: '0.2' }),
      'INVALID_PARAMETER_VALUE',
    );
    await tracking.setTag(id, { key: 't', value: 'b' });
    const got = await tracking.getRun(id);
    assert.deepEqual(got.data.params, [{ key: 'lr', value: '0.1' }]);
    assert.equal(got.data.tags.find((t) => t.key === 't')?.value, 'b');
    assert.deepEqual(got.data.metrics, [{ key: 'loss', value: 3, step: 2, timestamp: 10 }]);
    const history = await tracking.getMetricHistory(id, 'loss');
    assert.deepEqual(
      history.items.map((m) => [m.step, m.value]),
      [
        [1, 9],
        [2, 3],
      ],
    );
  });

  it('refuses a whole batch when one param conflicts', async () => {
    const run = await tracking.createRun({});
    const id = run.info.runId;
    await tracking.logParam(id, { key: 'p', value: '1' });
    await rejectsWith(
      tracking.logBatch(
        id,
        [{ key: 'm', value: 1, step: 0, timestamp: 1 }],
        [{ key: 'p', value: '2' }],
        [],
      ),
      'INVALID_PARAMETER_VALUE',
    );
    assert.deepEqual((await tracking.getRun(id)).data.metrics, []);
  });

  it('round-trips NaN and infinities', async () => {
    const run = await tracking.createRun({});
    const id = run.info.runId;
    await tracking.logBatch(
      id,
      [
        { key: 'x', value: NaN, step: 0, timestamp: 1 },
        { key: 'x', value: Infinity, step: 1, timestamp: 1 },
        { key: 'x', value: -Infinity, step: 2, timestamp: 1 },
      ],
      [],
      [],
    );
    const values = (await tracking.getMetricHistory(id, 'x')).items.map((m) => m.value);
    assert.deepEqual(values, [NaN, Infinity, -Infinity]);
  });

  it('ends, deletes and restores runs; unknown ids are RESOURCE_DOES_NOT_EXIST', async () => {
    const run = await tracking.createRun({});
    const id = run.info.runId;
    const info = await tracking.updateRun(id, { status: 'FINISHED' });
    assert.equal(info.status, 'FINISHED');
    assert.ok(info.endTime);
    await tracking.deleteRun(id);
    await rejectsWith(tracking.logParam(id, { key: 'a', value: '1' }), 'INVALID_PARAMETER_VALUE');
    await tracking.restoreRun(id);
    await rejectsWith(tracking.getRun('nope'), 'RESOURCE_DOES_NOT_EXIST');
  });

  it('searches with filters and order_by', async () => {
    const exp = await tracking.createExperiment('search');
    for (let i = 0; i < 6; i++) {
      const run = await tracking.createRun({ experimentId: exp, runName: `s${i}` });
      await tracking.logBatch(
        run.info.runId,
        [{ key: 'acc', value: i / 10, step: 0, timestamp: 1 }],
        [{ key: 'opt', value: i % 2 ? 'adam' : 'sgd' }],
        [],
      );
    }
    const page = await tracking.searchRuns({
      experimentIds: [exp],
      filter: "params.opt = 'adam' and metrics.acc > 0.15",
      orderBy: ['metrics.acc DESC'],
    });
    assert.deepEqual(
      page.items.map((r) => r.info.runName),
      ['s5', 's3'],
    );
    await rejectsWith(
      tracking.searchRuns({ experimentIds: [exp], filter: 'metrics.acc >' }),
      'INVALID_PARAMETER_VALUE',
    );
  });

  it('records dataset inputs', async () => {
    const run = await tracking.createRun({});
    await tracking.logInputs(run.info.runId, [
      {
        tags: [{ key: 'mlflow.data.context', value: 'train' }],
        dataset: {
          name: 'iris',
          digest: 'abc',
          sourceType: 'local',
          source: '{}',
          schema: '{"a":1}',
        },
      },
    ]);
    const got = await tracking.getRun(run.info.runId);
    assert.equal(got.inputs.datasetInputs[0]?.dataset.digest, 'abc');
    assert.equal(got.inputs.datasetInputs[0]?.tags[0]?.value, 'train');
  });
});

describe('sampleMetric', () => {
  it('returns small series whole and large ones within budget with the extremes', async () => {
    const run = await tracking.createRun({});
    const id = run.info.runId;
    const total = RAW_SAMPLE_LIMIT + 30_000;
    for (let start = 0; start < total; start += 1000) {
      const batch = Array.from({ length: 1000 }, (_, i) => {
        const step = start + i;
        return {
          key: 'loss',
          value: step === 33_333 ? -1 : step === 44_444 ? 99 : Math.cos(step / 100),
          step,
          timestamp: step,
        };
      });
      await tracking.logBatch(id, batch, [], []);
    }
    const sample = await tracking.sampleMetric(id, 'loss', 1000);
    assert.equal(sample.total, total);
    assert.ok(sample.downsampled);
    assert.ok(
      sample.steps.length <= 1000 && sample.steps.length > 500,
      `got ${sample.steps.length}`,
    );
    assert.equal(Math.min(...sample.values), -1);
    assert.equal(Math.max(...sample.values), 99);
    assert.equal(sample.steps[0], 0);
    assert.equal(sample.steps.at(-1), total - 1);

    await tracking.logBatch(id, [{ key: 'small', value: 1, step: 0, timestamp: 0 }], [], []);
    const small = await tracking.sampleMetric(id, 'small', 1000);
    assert.equal(small.downsampled, false);
    assert.deepEqual(small.values, [1]);
    await rejectsWith(tracking.sampleMetric(id, 'missing'), 'RESOURCE_DOES_NOT_EXIST');

    const ranges = await tracking.metricRanges(id);
    assert.deepEqual(ranges, [
      { key: 'loss', points: total, min: -1, max: 99 },
      { key: 'small', points: 1, min: 1, max: 1 },
    ]);
  });
});

describe('notebook cells', () => {
  it('records cells in execution order and finds the latest run of each cell id', async () => {
    const first = await tracking.createRun({});
    const second = await tracking.createRun({});
    const cell = (cellId: string, source: string, startTime: number) => ({
      cellId,
      executionCount: startTime,
      source,
      sourceHash: '',
      startTime,
      durationMs: 5,
      status: 'ok' as const,
      logged: { params: [], metrics: ['loss'], tags: [] },
    });
    await tracking.logCells(first.info.runId, [cell('a', 'x = 1', 1), cell('b', 'y = 2', 2)]);
    await tracking.logCells(first.info.runId, [cell('c', 'z = 3', 3)]);
    await tracking.logCells(second.info.runId, [cell('a', 'x = 10', 4)]);
    const cells = await tracking.listCells(first.info.runId);
    assert.deepEqual(
      cells.map((c) => c.cellId),
      ['a', 'b', 'c'],
    );
    const found = await tracking.findCells(['a', 'b', 'missing']);
    assert.deepEqual(
      found.map((c) => [c.cellId, c.runId, c.source]),
      [
        ['a', second.info.runId, 'x = 10'],
        ['b', first.info.runId, 'y = 2'],
      ],
    );
  });
});
