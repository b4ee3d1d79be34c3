import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { openDatabase } from '../../store';
import { TriggerLease } from './lease';

describe('trigger lease', () => {
  const store = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-lease-'));
  const db = openDatabase(store, { create: true });
  const other = openDatabase(store, { create: true });
  after(() => {
    db.close();
    other.close();
    fs.rmSync(store, { recursive: true, force: true });
  });

  it('is held by one process at a time, renewed by its holder, taken over once given up', () => {
    const first = new TriggerLease(db, '/ws/a');
    const second = new TriggerLease(other, '/ws/a');
    assert.equal(first.acquire(), true);
    assert.equal(second.acquire(), false);
    assert.deepEqual(second.holder(), { pid: process.pid, host: os.hostname() });
    assert.equal(first.acquire(), true, 'the holder renews it');
    assert.equal(new TriggerLease(other, '/ws/b').acquire(), true, 'each workspace has its own');
    first.release();
    assert.equal(second.acquire(), true);
    assert.equal(first.acquire(), false);
    second.release();
  });

  it('is taken over once it expires', () => {
    const first = new TriggerLease(db, '/ws/c', 1_000);
    const second = new TriggerLease(other, '/ws/c', 1_000);
    const now = Date.now();
    assert.equal(first.acquire(now), true);
    assert.equal(second.acquire(now + 999), false);
    assert.equal(second.acquire(now + 1_001), true);
    assert.equal(first.acquire(now + 1_002), false);
  });

  it('is taken over at once when its holder on this machine is gone', () => {
    const gone = Number(spawnSync('sh', ['-c', 'echo $$']).stdout.toString().trim());
    db.prepare(
      'INSERT INTO trigger_leases (root, owner, pid, host, expires) VALUES (?, ?, ?, ?, ?)',
    ).run('/ws/d', 'someone', gone, os.hostname(), Date.now() + 60_000);
    const lease = new TriggerLease(other, '/ws/d');
    assert.equal(lease.holder(), undefined);
    assert.equal(lease.acquire(), true);
  });
});
