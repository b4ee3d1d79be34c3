import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { limitClause } from './limit';

test('limitClause writes counts as digits and refuses anything else', () => {
  assert.equal(limitClause(100), 'LIMIT 100');
  assert.equal(limitClause(11, 0), 'LIMIT 11');
  assert.equal(limitClause(11, 40), 'LIMIT 11 OFFSET 40');
  for (const bad of [
    -1,
    1.5,
    Number.NaN,
    Infinity,
    2 ** 60,
    '1; DROP TABLE t' as unknown as number,
  ]) {
    assert.throws(() => limitClause(bad), RangeError, String(bad));
    assert.throws(() => limitClause(10, bad), RangeError, String(bad));
  }
});

test('a page read with limitClause returns what the bound form returns', () => {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT)');
  const insert = db.prepare('INSERT INTO t VALUES (?, ?)');
  for (let i = 0; i < 50; i++) insert.run(i, `row ${i}`);
  for (const [limit, offset] of [
    [10, 0],
    [10, 45],
    [0, 0],
    [100, 10],
  ] as const) {
    assert.deepEqual(
      db.prepare(`SELECT * FROM t ORDER BY a ${limitClause(limit, offset)}`).all(),
      db.prepare('SELECT * FROM t ORDER BY a LIMIT ? OFFSET ?').all(limit, offset),
    );
  }
  db.close();
});
