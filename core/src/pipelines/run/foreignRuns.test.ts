import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import type { PipelineEvent, PipelineRun } from '../../model/pipeline';
import { migrate } from '../../store/migrations';
import { ForeignRuns } from './foreignRuns';
import { PipelineRunStore } from './runStore';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-foreign-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A run of one queued step, started now. */
const newRun = (id: string): PipelineRun => ({
  pipelineRunId: id,
  pipeline: 'p',
  file: '/ws/sextant.yaml',
  status: 'running',
  trigger: { kind: 'manual' },
  startTime: Date.now(),
  forced: false,
  steps: [{ step: 's', status: 'queued', compute: 'local', attempts: 0 }],
});

/** The events as `type step-status` words, for comparing. */
const words = (events: PipelineEvent[]): string[] =>
  events.map((e) =>
    e.type === 'step-status'
      ? `${e.pipelineRunId} ${e.step.step} ${e.step.status}`
      : `${e.type} ${e.type === 'step-log' ? '' : e.run.pipelineRunId} ${e.type === 'step-log' ? '' : e.run.status}`,
  );

describe('following the runs of other processes', () => {
  test('reports another process’s run as it goes, once each change, and never this one’s', () => {
    const file = path.join(dir, 'store.db');
    // Two connections to one store: this process's, and the other process's.
    const mine = new Database(file);
    const theirs = new Database(file);
    migrate(mine);
    const events: PipelineEvent[] = [];
    const foreign = new ForeignRuns(mine, new PipelineRunStore(mine), (e) => events.push(e));
    const other = new PipelineRunStore(theirs);
    const asOther = (id: string): void =>
      void theirs
        .prepare('UPDATE pipeline_runs SET owner_pid = ? WHERE pipeline_run_id = ?')
        .run(2 ** 22 + 1, id);
    foreign.check();
    assert.deepEqual(events, []);

    const run = newRun('a');
    theirs.transaction(() => {
      other.insert(run);
      asOther('a');
    })();
    foreign.check();
    assert.deepEqual(words(events.splice(0)), ['run-started a running', 'a s queued']);
    foreign.check();
    assert.deepEqual(events, [], 'nothing written since: nothing read');

    const step = { ...run.steps[0]!, status: 'running' as const, startTime: Date.now() };
    other.updateStep('a', step);
    foreign.check();
    assert.deepEqual(words(events.splice(0)), ['a s running']);

    other.updateStep('a', { ...step, status: 'done', endTime: Date.now() });
    other.updateRun({ ...run, status: 'done', endTime: Date.now() });
    foreign.check();
    assert.deepEqual(words(events.splice(0)), ['a s done', 'run-finished a done']);

    // A run of this process, written by it (its pid), gives its own events: not reported here.
    new PipelineRunStore(theirs).insert(newRun('mine'));
    other.insert(newRun('b'));
    asOther('b');
    other.updateRun({ ...newRun('b'), status: 'failed', endTime: Date.now() });
    foreign.check();
    assert.deepEqual(
      words(events.splice(0)),
      ['run-started b failed', 'b s queued', 'run-finished b failed'],
      'a run that started and ended between two checks is seen whole; a and mine are not',
    );
    theirs
      .prepare("UPDATE pipeline_runs SET trigger_detail = 'x' WHERE pipeline_run_id = 'a'")
      .run();
    foreign.check();
    assert.deepEqual(events, [], 'an ended run is reported once');
    mine.close();
    theirs.close();
  });
});
