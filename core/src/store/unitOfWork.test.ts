import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { openDatabase } from './sqlite';
import { SqliteUnitOfWork } from './unitOfWork';

describe('a SQLite unit of work', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-unit-'));
  const db = openDatabase(dir, { create: true });
  db.exec('CREATE TABLE IF NOT EXISTS unit_test (n INTEGER)');
  const unit = new SqliteUnitOfWork(db);
  const count = (): number =>
    (db.prepare('SELECT count(*) AS n FROM unit_test').get() as { n: number }).n;
  after(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('commits its writes together, then runs the after-commit effects in order', () => {
    const seen: string[] = [];
    const result = unit.write((tx) => {
      db.prepare('INSERT INTO unit_test (n) VALUES (1), (2)').run();
      tx.afterCommit(() => seen.push(`first, ${count()} rows`));
      tx.afterCommit(() => seen.push('second'));
      assert.deepEqual(seen, [], 'no effect runs before the commit');
      return 'done';
    });
    assert.equal(result, 'done');
    assert.deepEqual(seen, ['first, 2 rows', 'second']);
  });

  it('writes nothing and runs no effect when the work throws', () => {
    const before = count();
    let ran = false;
    assert.throws(
      () =>
        unit.write((tx) => {
          db.prepare('INSERT INTO unit_test (n) VALUES (3)').run();
          tx.afterCommit(() => (ran = true));
          throw new Error('bad record');
        }),
      /bad record/,
    );
    assert.equal(count(), before);
    assert.equal(ran, false);
  });

  it('knows the connection it writes through', () => {
    assert.ok(unit.writesThrough(db));
    const other = openDatabase(dir, { create: false });
    try {
      assert.ok(!unit.writesThrough(other));
    } finally {
      other.close();
    }
  });
});
