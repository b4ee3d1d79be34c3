import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import type { PipelineEvent, PipelineRun } from '../../model/pipeline';
import { migrate } from '../../store';
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

/** The events as short lines, for comparing. */
function words(events: PipelineEvent[]): string[] {
  return events.map((e) => {
    if (e.type === 'step-status') return `${e.pipelineRunId} ${e.step.step} ${e.step.status}`;
    if (e.type === 'step-log') {
      return `${e.pipelineRunId} ${e.step} ${e.stream} ${JSON.stringify(e.text)}`;
    }
    return `${e.type} ${e.run.pipelineRunId} ${e.run.status}`;
  });
}

describe('following the runs of other processes', () => {
  test('reports another process’s run as it goes, once each change, and never this one’s', async () => {
    const file = path.join(dir, 'store.db');
    // Two connections to one store: this process's, and the other process's.
    const mine = new Database(file);
    const theirs = new Database(file);
    migrate(mine);
    const events: PipelineEvent[] = [];
    // As the runner keeps them: a folder per run, removed when the run ends.
    const logOf = (id: string, index: number): { stdout: string; stderr: string } => {
      fs.mkdirSync(path.join(dir, id), { recursive: true });
      return {
        stdout: path.join(dir, id, `${index}.stdout.txt`),
        stderr: path.join(dir, id, `${index}.stderr.txt`),
      };
    };
    /** The whole log the step's tracking run holds, once its run ended. */
    let stored: Partial<Record<'stdout' | 'stderr', Buffer>> = {};
    const foreign = new ForeignRuns(mine, new PipelineRunStore(mine), (e) => events.push(e), {
      files: logOf,
      stored: async (_runId, stream) => stored[stream],
    });
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

    // What the running step writes comes as it is written, a character split across writes
    // kept whole; nothing in the store changed, and it is read all the same.
    const out = logOf('a', 0).stdout;
    fs.appendFileSync(out, Buffer.from([...Buffer.from('hello '), 0xc3]));
    foreign.check();
    fs.appendFileSync(out, Buffer.from([0xa9, 0x0a]));
    fs.appendFileSync(logOf('a', 0).stderr, 'warn\n');
    foreign.check();
    fs.appendFileSync(out, 'bye\n');
    assert.deepEqual(words(events.splice(0)), [
      'a s stdout "hello "',
      'a s stdout "é\\n"',
      'a s stderr "warn\\n"',
    ]);

    other.updateStep('a', { ...step, status: 'done', endTime: Date.now() });
    other.updateRun({ ...run, status: 'done', endTime: Date.now() });
    foreign.check();
    assert.deepEqual(words(events.splice(0)), [
      'a s stdout "bye\\n"',
      'a s done',
      'run-finished a done',
    ]);
    fs.appendFileSync(out, 'after the end\n');
    foreign.check();
    assert.deepEqual(events, [], 'an ended step is no longer read');

    // A step that ends with its run: its log file is gone by the next check, and the rest of its
    // output is read from its tracking run.
    const last = newRun('c');
    theirs.transaction(() => {
      other.insert(last);
      asOther('c');
    })();
    const running = { ...last.steps[0]!, status: 'running' as const, runId: 'r-c' };
    other.updateStep('c', running);
    foreign.check();
    fs.appendFileSync(logOf('c', 0).stdout, 'first\n');
    foreign.check();
    stored = { stdout: Buffer.from('first\nlast words\n') };
    fs.rmSync(path.join(dir, 'c'), { recursive: true });
    other.updateStep('c', { ...running, status: 'done', endTime: Date.now() });
    other.updateRun({ ...last, status: 'done', endTime: Date.now() });
    foreign.check();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(words(events.splice(0)), [
      'run-started c running',
      'c s running',
      'c s stdout "first\\n"',
      'c s done',
      'run-finished c done',
      'c s stdout "last words\\n"',
    ]);

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

  test('started, a write to the store or a followed log is seen at once, not at the next tick', async () => {
    const folder = fs.mkdtempSync(path.join(dir, 'watched-'));
    const file = path.join(folder, 'sextant.db');
    const mine = new Database(file);
    const theirs = new Database(file);
    // As the engine opens its store: the other process's commits go to the write-ahead log.
    mine.pragma('journal_mode = WAL');
    migrate(mine);
    const events: PipelineEvent[] = [];
    const logs = path.join(folder, 'logs');
    const foreign = new ForeignRuns(mine, new PipelineRunStore(mine), (e) => events.push(e), {
      files: (id, index) => {
        fs.mkdirSync(path.join(logs, id), { recursive: true });
        return {
          stdout: path.join(logs, id, `${index}.stdout.txt`),
          stderr: path.join(logs, id, `${index}.stderr.txt`),
        };
      },
      stored: async () => undefined,
    });
    /** Resolves once `events` holds `count` events, failing after 5 s (the timer's tick is 60 s). */
    const arrived = async (count: number): Promise<string[]> => {
      const deadline = Date.now() + 5_000;
      while (events.length < count) {
        assert.ok(Date.now() < deadline, `only ${JSON.stringify(words(events))} arrived`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return words(events.splice(0));
    };
    foreign.start(60_000);
    try {
      const other = new PipelineRunStore(theirs);
      const run = {
        ...newRun('w'),
        steps: [{ ...newRun('w').steps[0]!, status: 'running' as const }],
      };
      theirs.transaction(() => {
        other.insert(run);
        theirs
          .prepare('UPDATE pipeline_runs SET owner_pid = ? WHERE pipeline_run_id = ?')
          .run(2 ** 22 + 1, 'w');
      })();
      assert.deepEqual(await arrived(2), ['run-started w running', 'w s running']);
      fs.appendFileSync(path.join(logs, 'w', '0.stdout.txt'), 'live\n');
      assert.deepEqual(await arrived(1), ['w s stdout "live\\n"']);
    } finally {
      foreign.stop();
      mine.close();
      theirs.close();
    }
  });
});
