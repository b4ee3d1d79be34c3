import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '../../store';
import { TrackingService } from '../service';
import { SqliteTrackingStore } from '../sqliteStore';
import type { DatasetFilter, LoggedModelOrder } from './loggedModelSearch';

// The logged-model search compiled to SQL (the grammar of runs), against a real store.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-logged-models-'));
const db = openDatabase(dir, { create: true });
const tracking = new TrackingService(new SqliteTrackingStore(db));
let experimentId: string;
let runId: string;
/** Model ids by name: `model` (two acc points), `other` (one), `none` (no metrics). */
const ids: Record<string, string> = {};

before(async () => {
  experimentId = await tracking.createExperiment('logged-models');
  runId = (await tracking.createRun({ experimentId, startTime: 0 })).info.runId;
  for (const name of ['model', 'other', 'none']) {
    const created = await tracking.createLoggedModel({
      experimentId,
      name,
      sourceRunId: runId,
      tags: name === 'model' ? [{ key: 'stage', value: 'prod' }] : [],
      params: name === 'model' ? [{ key: 'C', value: '1.0' }] : [],
    });
    ids[name] = created.modelId;
  }
  await tracking.finalizeLoggedModel(ids.model as string, 'LOGGED_MODEL_READY');
  const point = (
    modelId: string,
    value: number,
    timestamp: number,
    dataset?: [string, string],
  ) => ({
    key: 'acc',
    value,
    step: 0,
    timestamp,
    modelId,
    ...(dataset ? { datasetName: dataset[0], datasetDigest: dataset[1] } : {}),
  });
  await tracking.logBatch(
    runId,
    [
      point(ids.model as string, 0.8, 1, ['train', 'd1']),
      point(ids.model as string, 0.6, 2, ['eval', 'd2']),
      point(ids.other as string, 0.9, 1),
    ],
    [],
    [],
  );
});
after(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const search = async (
  filter?: string,
  datasets: DatasetFilter[] = [],
  orderBy: LoggedModelOrder[] = [],
): Promise<string[]> => {
  const page = await tracking.searchLoggedModels({
    experimentIds: [experimentId],
    ...(filter !== undefined ? { filter } : {}),
    datasets,
    orderBy,
  });
  const names = Object.fromEntries(Object.entries(ids).map(([name, id]) => [id, name]));
  return page.items.map((m) => names[m.modelId] as string);
};
const matches = async (filter?: string, datasets: DatasetFilter[] = []): Promise<boolean> =>
  (await search(filter, datasets)).includes('model');

describe('the logged-model search', () => {
  it('matches the filters the mlflow client sends', async () => {
    assert.ok(await matches("name = 'model'"));
    assert.ok(!(await matches("name = 'other'")));
    assert.ok(await matches(`source_run_id = '${runId}' AND tags.stage = 'prod'`));
    assert.ok(await matches("name LIKE 'mo%'"));
    assert.ok(!(await matches("name LIKE 'MO%'")), 'LIKE is case-sensitive');
    assert.ok(await matches(undefined));
  });

  it('compares metrics numerically, on the given datasets', async () => {
    assert.ok(await matches('metrics.acc > 0.7'));
    assert.ok(!(await matches('metrics.acc > 0.7', [{ datasetName: 'eval' }])));
    assert.ok(await matches('metrics.acc > 0.7', [{ datasetName: 'train', datasetDigest: 'd1' }]));
    assert.ok(
      !(await matches('metrics.acc > 0.7', [{ datasetName: 'train', datasetDigest: 'x' }])),
    );
    assert.ok(await matches('metrics.acc >= 0.6 AND params.C = 1.0'));
    assert.ok(!(await matches('metrics.missing < 1')));
    assert.ok(await matches(`status = 'READY' AND creation_time < ${Date.now() + 60_000}`));
    assert.ok(await matches("status = 'LOGGED_MODEL_READY'"));
    assert.ok(!(await matches('creation_time < 10')));
    assert.ok(await matches("tags.stage IN ('prod', 'dev') AND name ILIKE 'MO%'"));
    assert.ok(await matches("tags.stage != 'a AND b' AND name = 'model'"));
    assert.deepEqual(
      await search('metrics.acc > 0.7', [], [{ fieldName: 'name', ascending: true }]),
      ['model', 'other'],
    );
  });

  it('refuses what it does not understand', async () => {
    await assert.rejects(search("metrics.acc > 'high'"), /must be compared with a number/);
    await assert.rejects(search("metrics.acc LIKE '1%'"), /supports =, !=, <, <=, >, >=/);
    await assert.rejects(search("foo.bar = 'x'"), /entity type/);
    await assert.rejects(search('name = '), /expected a value/);
    await assert.rejects(search("bogus = 'x'"), /Invalid attribute key 'bogus'/);
  });

  it('orders by latest metric value with missing values last', async () => {
    const sorted = (ascending: boolean): Promise<string[]> =>
      search(undefined, [], [{ fieldName: 'metrics.acc', ascending }]);
    assert.deepEqual(await sorted(false), ['other', 'model', 'none']);
    assert.deepEqual(await sorted(true), ['model', 'other', 'none']);
    const onTrain = await search(
      undefined,
      [],
      [{ fieldName: 'metrics.acc', ascending: false, datasetName: 'train' }],
    );
    assert.equal(onTrain[0], 'model', 'on the train dataset, only model has a point (0.8)');
    assert.deepEqual(onTrain.slice(1).sort(), ['none', 'other']);
    assert.deepEqual(await search(undefined, [], [{ fieldName: 'name', ascending: true }]), [
      'model',
      'none',
      'other',
    ]);
    await assert.rejects(
      search(undefined, [], [{ fieldName: 'params.C', ascending: true }]),
      /Only metrics/,
    );
    await assert.rejects(
      search(undefined, [], [{ fieldName: 'bogus', ascending: true }]),
      /Invalid order by field name/,
    );
  });
});
