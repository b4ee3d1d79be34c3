import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../store/sqlite';
import { BLOCK_SIZE } from '../store/migrations';
import { MetricWriter } from './metricWriter';
import type { MetricInput } from './store';

let dir: string;
let db: Database.Database;
let writer: MetricWriter;
let nextRun = 1;

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-writer-'));
  db = openDatabase(dir, { create: true });
  db.prepare(
    `INSERT INTO experiments (experiment_id, name, artifact_location, creation_time, last_update_time)
     VALUES (0, 'Default', 'x', 0, 0)`,
  ).run();
  writer = new MetricWriter(db);
});
after(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function newRun(): number {
  const pk = nextRun++;
  db.prepare(
    `INSERT INTO runs (run_pk, run_uuid, experiment_id, status, start_time, artifact_uri)
     VALUES (?, ?, 0, 'RUNNING', 0, 'x')`,
  ).run(pk, `run${pk}`);
  return pk;
}

const write = (runPk: number, metrics: MetricInput[]): void =>
  db.transaction(() => writer.write(runPk, metrics)).immediate();

const point = (key: string, step: number, value = step * 0.5): MetricInput => ({
  key,
  step,
  timestamp: 1000 + step,
  value,
});

function seriesOf(runPk: number, key: string) {
  return db
    .prepare('SELECT series_id, points, step, value, is_nan FROM metric_series WHERE run_pk = ? AND key = ?')
    .get(runPk, key) as { series_id: number; points: number; step: number; value: number; is_nan: number };
}

function blockTotals(seriesId: number): { blocks: number; points: number } {
  return db
    .prepare('SELECT count(*) AS blocks, coalesce(sum(points), 0) AS points FROM metric_blocks WHERE series_id = ?')
    .get(seriesId) as { blocks: number; points: number };
}

const stored = (seriesId: number): number =>
  db.prepare('SELECT count(*) FROM metric_points WHERE series_id = ?').pluck().get(seriesId) as number;

describe('MetricWriter', () => {
  it('stores batches of any size (not a multiple of the insert chunk) with exact aggregates', () => {
    const run = newRun();
    let step = 0;
    for (const size of [1, 49, 50, 51, 137, 1000]) {
      write(
        run,
        Array.from({ length: size }, () => point('loss', step++)),
      );
    }
    const s = seriesOf(run, 'loss');
    assert.equal(s.points, step);
    assert.equal(stored(s.series_id), step);
    assert.equal(s.step, step - 1);
    assert.deepEqual(blockTotals(s.series_id), { blocks: Math.ceil(step / BLOCK_SIZE), points: step });
  });

  it('ignores points already stored, in later batches and within one batch', () => {
    const run = newRun();
    write(run, Array.from({ length: 120 }, (_, i) => point('acc', i)));
    // 60 repeats of stored points, 2 copies of one new point, 40 new points.
    const batch = [
      ...Array.from({ length: 60 }, (_, i) => point('acc', i + 30)),
      point('acc', 500),
      point('acc', 500),
      ...Array.from({ length: 40 }, (_, i) => point('acc', 120 + i)),
    ];
    write(run, batch);
    const s = seriesOf(run, 'acc');
    assert.equal(s.points, 161);
    assert.equal(stored(s.series_id), 161);
    assert.equal(blockTotals(s.series_id).points, 161);
    assert.equal(s.step, 500);
  });

  it('keeps a same-step point with another value, and NaN apart from 0', () => {
    const run = newRun();
    write(run, [point('x', 1, 0), point('x', 1, 2), point('x', 1, NaN), point('x', 1, NaN)]);
    const s = seriesOf(run, 'x');
    assert.equal(s.points, 3);
    assert.equal(stored(s.series_id), 3);
    assert.equal(s.value, 2);
  });

  it('writes several keys of one batch to their own series', () => {
    const run = newRun();
    const batch: MetricInput[] = [];
    for (let k = 0; k < 10; k++) for (let i = 0; i < 100; i++) batch.push(point(`m${k}`, i, k * 1000 + i));
    write(run, batch);
    for (let k = 0; k < 10; k++) {
      const s = seriesOf(run, `m${k}`);
      assert.equal(s.points, 100);
      assert.equal(s.value, k * 1000 + 99);
      assert.equal(blockTotals(s.series_id).points, 100);
    }
  });
});
