import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sourceHash } from '@sextant/core/model';
import { FakeClient } from '@sextant/media/presenters/fakeClient.testing';
import type { CellRecord, Run } from '@sextant/language-server/protocol';
import { CellRecordCache, cellIdOf, cellStatusModel } from './model';

const START = Date.parse('2026-01-02T03:04:05.000Z');

function record(overrides: Partial<CellRecord> = {}): CellRecord {
  return {
    runId: 'abcdef0123456789',
    cellId: 'cell-1',
    executionCount: 3,
    source: 'mlflow.log_metric("loss", 0.5)',
    sourceHash: '00',
    startTime: START,
    durationMs: 1234,
    status: 'ok',
    logged: { params: ['lr'], metrics: ['loss', 'acc'], tags: [] },
    ...overrides,
  };
}

test('cellIdOf reads the nbformat id where the ipynb serializer keeps it', () => {
  assert.equal(cellIdOf({ id: 'a1', execution_count: 1 }), 'a1');
  assert.equal(cellIdOf({ custom: { id: 'b2' } }), 'b2');
  assert.equal(cellIdOf({ id: '' }), undefined);
  assert.equal(cellIdOf({}), undefined);
  assert.equal(cellIdOf(undefined), undefined);
});

test('cellStatusModel shows the run and the logged keys, with the details in the tooltip', () => {
  const model = cellStatusModel(record(), 'my-run', START + 5 * 60_000);
  assert.equal(model.text, '$(beaker) my-run · loss, acc, lr');
  assert.equal(model.runId, 'abcdef0123456789');
  assert.equal(model.runName, 'my-run');
  assert.equal(
    model.tooltip,
    [
      'Sextant run "my-run"',
      'Run ID: abcdef0123456789',
      'Executed 5 min ago (2026-01-02T03:04:05.000Z) as [3]',
      'Status: ok · took 1.2s',
      'Metrics: loss, acc',
      'Params: lr',
      'Tags: —',
      'Click to open the run',
    ].join('\n'),
  );
});

test('cellStatusModel marks failed cells, counts extra keys and falls back to the run id', () => {
  const model = cellStatusModel(
    record({
      status: 'error',
      error: 'ValueError: bad',
      executionCount: null,
      logged: { params: ['a', 'b'], metrics: ['m'], tags: ['t'] },
    }),
    undefined,
    START,
  );
  assert.equal(model.text, '$(error) abcdef01 · m, a, b +1');
  assert.match(model.tooltip, /^Status: error: ValueError: bad · took 1\.2s$/m);
  assert.match(model.tooltip, /^Executed just now \(2026-01-02T03:04:05\.000Z\)$/m);
  assert.equal(
    cellStatusModel(record({ logged: { params: [], metrics: [], tags: [] } }), 'r', START).text,
    '$(beaker) r',
  );
});

test('cellStatusModel says when the cell changed since its run', () => {
  const model = cellStatusModel(record(), 'my-run', START, true);
  assert.equal(model.text, '$(beaker) my-run · loss, acc, lr · changed since run');
  assert.equal(model.changed, true);
  assert.match(
    model.tooltip,
    /^Executed just now .*\nChanged since run: the cell was edited after this run recorded it\nStatus: ok/m,
  );
  assert.equal(
    cellStatusModel(record({ logged: { params: [], metrics: [], tags: [] } }), 'r', START, true)
      .text,
    '$(beaker) r · changed since run',
  );
  assert.doesNotMatch(cellStatusModel(record(), 'my-run', START).tooltip, /Changed/);
});

test('CellRecordCache asks once per notebook, again for new cells or after a run changed', async () => {
  const finds: string[][] = [];
  let gets = 0;
  const cache = new CellRecordCache(
    new FakeClient({
      'sextant/cells/find': ({ cellIds }: { cellIds: string[] }) => {
        finds.push(cellIds);
        return { cells: [record()] };
      },
      'sextant/runs/get': ({ runId }: { runId: string }) => {
        gets += 1;
        return { info: { runId, runName: 'my-run' } } as Run;
      },
    }),
  );
  const ids = ['cell-2', 'cell-1'];
  const [one, two] = await Promise.all([
    cache.status('nb', ids, 'cell-1', START),
    cache.status('nb', ids, 'cell-2', START),
  ]);
  assert.equal(one?.text, '$(beaker) my-run · loss, acc, lr');
  assert.equal(two, undefined);
  assert.deepEqual(finds, [['cell-1', 'cell-2']]);
  assert.equal(gets, 1);

  await cache.status('nb', [...ids, 'cell-3'], 'cell-1', START);
  assert.equal(finds.length, 2);

  cache.runChanged('abcdef0123456789', 'renamed');
  const renamed = await cache.status('nb', [...ids, 'cell-3'], 'cell-1', START);
  assert.equal(finds.length, 3);
  assert.equal(gets, 1);
  assert.equal(renamed?.text, '$(beaker) renamed · loss, acc, lr');

  const source = 'mlflow.log_metric("loss", 0.5)';
  const withHash = new CellRecordCache(
    new FakeClient({
      'sextant/cells/find': () => ({ cells: [record({ source, sourceHash: sourceHash(source) })] }),
      'sextant/runs/get': ({ runId }: { runId: string }) => ({ info: { runId, runName: 'r' } }),
    }),
  );
  assert.equal((await withHash.status('nb', ids, 'cell-1', START, source))?.changed, false);
  assert.equal(
    (await withHash.status('nb', ids, 'cell-1', START, `${source}  # edited`))?.changed,
    true,
  );
  assert.equal((await withHash.status('nb', ids, 'cell-1', START))?.changed, false);

  assert.equal((await cache.records('empty', [])).size, 0);
  assert.equal(finds.length, 3);
});

test('CellRecordCache asks again after a failed lookup', async () => {
  let calls = 0;
  const cache = new CellRecordCache(
    new FakeClient({
      'sextant/cells/find': () => {
        calls += 1;
        if (calls === 1) throw new Error('down');
        return { cells: [] };
      },
    }),
  );
  await assert.rejects(cache.records('nb', ['a']), /down/);
  assert.equal((await cache.records('nb', ['a'])).size, 0);
  assert.equal(calls, 2);
});
