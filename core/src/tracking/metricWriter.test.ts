import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, BLOCK_LEVELS, blockSpan } from '../store';
import { MetricWriter } from './metricWriter';
import { RAW_SAMPLE_LIMIT, sampleLevel, sampleSeries } from './sampleSql';
import { m4Columns } from './sampling';
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
    .prepare(
      'SELECT series_id, points, step, value, is_nan FROM metric_series WHERE run_pk = ? AND key = ?',
    )
    .get(runPk, key) as {
    series_id: number;
    points: number;
    step: number;
    value: number;
    is_nan: number;
  };
}

/** Blocks and points at each level; every level must account for every point once. */
function blockTotals(seriesId: number): { blocks: number; points: number }[] {
  return Array.from(
    { length: BLOCK_LEVELS },
    (_, level) =>
      db
        .prepare(
          'SELECT count(*) AS blocks, coalesce(sum(points), 0) AS points FROM metric_blocks WHERE series_id = ? AND level = ?',
        )
        .get(seriesId, level) as { blocks: number; points: number },
  );
}

const pointsPerLevel = (seriesId: number): number[] => blockTotals(seriesId).map((t) => t.points);
const expectPoints = (n: number): number[] => Array<number>(BLOCK_LEVELS).fill(n);

const stored = (seriesId: number): number =>
  db
    .prepare('SELECT count(*) FROM metric_points WHERE series_id = ?')
    .pluck()
    .get(seriesId) as number;

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
    assert.deepEqual(
      blockTotals(s.series_id),
      Array.from({ length: BLOCK_LEVELS }, (_, level) => ({
        blocks: Math.ceil(step / blockSpan(level)),
        points: step,
      })),
    );
  });

  it('ignores points already stored, in later batches and within one batch', () => {
    const run = newRun();
    write(
      run,
      Array.from({ length: 120 }, (_, i) => point('acc', i)),
    );
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
    assert.deepEqual(pointsPerLevel(s.series_id), expectPoints(161));
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
    for (let k = 0; k < 10; k++)
      for (let i = 0; i < 100; i++) batch.push(point(`m${k}`, i, k * 1000 + i));
    write(run, batch);
    for (let k = 0; k < 10; k++) {
      const s = seriesOf(run, `m${k}`);
      assert.equal(s.points, 100);
      assert.equal(s.value, k * 1000 + 99);
      assert.deepEqual(pointsPerLevel(s.series_id), expectPoints(100));
    }
  });
});

describe('metric_blocks levels', () => {
  it('keeps first, last, min and max of each block at every level', () => {
    const run = newRun();
    const n = blockSpan(2) * 2 + 777;
    const value = (i: number): number => (i === 5000 ? -50 : i === 9000 ? 50 : Math.sin(i / 37));
    for (let start = 0; start < n; start += 1000) {
      write(
        run,
        Array.from({ length: Math.min(1000, n - start) }, (_, k) =>
          point('y', start + k, value(start + k)),
        ),
      );
    }
    const s = seriesOf(run, 'y');
    for (let level = 0; level < BLOCK_LEVELS; level++) {
      const span = blockSpan(level);
      const rows = db
        .prepare(
          `SELECT block, points, first_step, last_step, min_step, min_value, max_step, max_value
           FROM metric_blocks WHERE series_id = ? AND level = ? ORDER BY block`,
        )
        .all(s.series_id, level) as {
        block: number;
        points: number;
        first_step: number;
        last_step: number;
        min_step: number;
        min_value: number;
        max_step: number;
        max_value: number;
      }[];
      assert.equal(rows.length, Math.ceil(n / span));
      for (const row of rows) {
        const from = row.block * span;
        const to = Math.min(n, from + span) - 1;
        assert.equal(row.points, to - from + 1);
        assert.equal(row.first_step, from);
        assert.equal(row.last_step, to);
        let lo = from;
        let hi = from;
        for (let i = from; i <= to; i++) {
          if (value(i) < value(lo)) lo = i;
          if (value(i) > value(hi)) hi = i;
        }
        assert.equal(row.min_step, lo, `level ${level} block ${row.block} min`);
        assert.equal(row.max_step, hi, `level ${level} block ${row.block} max`);
        assert.equal(row.min_value, value(lo));
        assert.equal(row.max_value, value(hi));
      }
    }
  });
});

describe('sampling from levels', () => {
  it('picks the coarsest level with a block per bucket', () => {
    assert.equal(sampleLevel(50_000, 1000), 0);
    assert.equal(sampleLevel(1_000_000, 1000), 1);
    assert.equal(sampleLevel(blockSpan(2) * 250, 1000), 2);
    assert.equal(sampleLevel(1_000_000, 100_000), 0);
  });

  it('samples a long series from an upper level within budget, keeping the extremes', () => {
    const run = newRun();
    const n = blockSpan(1) * 300 + 123;
    const noise = (i: number): number => ((i * 7919) % 101) / 1000;
    const value = (i: number): number =>
      i === 77_777 ? 1e6 : i === 33_333 ? -1e6 : Math.cos(i / 1000) + noise(i);
    for (let start = 0; start < n; start += 1000) {
      write(
        run,
        Array.from({ length: Math.min(1000, n - start) }, (_, k) =>
          point('z', start + k, value(start + k)),
        ),
      );
    }
    assert.equal(sampleLevel(n, 1000), 1);
    const sample = sampleSeries(db, run, `run${run}`, 'z', 1000);
    assert.equal(sample.total, n);
    assert.ok(sample.downsampled);
    assert.ok(
      sample.steps.length <= 1000 && sample.steps.length > 800,
      `got ${sample.steps.length}`,
    );
    assert.equal(Math.max(...sample.values), 1e6);
    assert.equal(Math.min(...sample.values), -1e6);
    assert.equal(sample.steps[0], 0);
    assert.equal(sample.steps.at(-1), n - 1);
  });
});

describe('sampling raw points', () => {
  it('matches M4 over every point, with repeated steps and NaN', () => {
    const run = newRun();
    const n = RAW_SAMPLE_LIMIT - 1000;
    const all: MetricInput[] = [];
    for (let i = 0; i < n; i++) {
      // Three points per step (two timestamps, one a second value), a NaN now and then.
      const step = Math.floor(i / 3);
      const value = i % 97 === 0 ? NaN : Math.sin(i / 300) + ((i * 7919) % 13) / 100;
      all.push({ key: 'r', step, timestamp: 1000 + step + (i % 3 === 2 ? 1 : 0), value });
    }
    for (let start = 0; start < n; start += 1000) write(run, all.slice(start, start + 1000));
    const sorted = [...all].sort(
      (a, b) =>
        a.step - b.step ||
        a.timestamp - b.timestamp ||
        (Number.isNaN(a.value) ? 0 : a.value) - (Number.isNaN(b.value) ? 0 : b.value),
    );
    const expected = m4Columns(
      {
        steps: sorted.map((m) => m.step),
        timestamps: sorted.map((m) => m.timestamp),
        values: sorted.map((m) => m.value),
      },
      1000,
    );
    const sample = sampleSeries(db, run, `run${run}`, 'r', 1000);
    assert.ok(sample.downsampled);
    assert.deepEqual(
      { steps: sample.steps, timestamps: sample.timestamps, values: sample.values },
      expected,
    );
  });
});
