import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { MIGRATIONS, migrate } from './migrations';
import { openDatabase } from './sqlite';

describe('migrations', () => {
  it('brings a new database to the latest version once', () => {
    const db = new Database(':memory:');
    assert.equal(migrate(db), 0);
    assert.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length);
    assert.equal(migrate(db), MIGRATIONS.length);
    db.close();
  });

  it('refuses a store written by a newer Sextant', () => {
    const db = new Database(':memory:');
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    assert.throws(() => migrate(db), /newer than this Sextant knows/);
    db.close();
  });
});

describe('openDatabase', () => {
  it('uses WAL and names the missing store in its error', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-db-'));
    assert.throws(
      () => openDatabase(path.join(dir, 'nope'), { create: false }),
      /no Sextant store at .*nope/,
    );
    const db = openDatabase(dir, { create: true });
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
