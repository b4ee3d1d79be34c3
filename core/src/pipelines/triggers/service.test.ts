import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, afterEach, before, describe, it } from 'node:test';
import type {
  PipelineEvent,
  PipelineRun,
  ResolvedPipeline,
  TriggerRecord,
  TriggerSpec,
} from '../../model/pipeline';
import { testLocation, testStep } from '../../testing/steps';
import type { PipelineRunner, StartOptions } from '../api';
import { alertEventOf } from './alertCause';
import { TriggerService, type AlertSource, type FiredAlert } from './service';

/** A start the fake runner received, and how the test ends that run. */
interface Started {
  file: string;
  pipeline: string;
  trigger: TriggerRecord;
  end(status?: 'done' | 'failed'): void;
}

/** A runner that records starts; each run lasts until the test ends it. */
class FakeRunner implements PipelineRunner {
  readonly started: Started[] = [];
  private readonly listeners = new Set<(event: PipelineEvent) => void>();
  private waiters: Array<() => void> = [];

  async start(file: string, pipeline?: string, options?: StartOptions) {
    let end!: (status?: 'done' | 'failed') => void;
    const run = runOf(pipeline ?? '', file, 'running');
    const finished = new Promise<PipelineRun>((resolve) => {
      end = (status = 'done') => resolve({ ...run, status });
    });
    this.started.push({ file, pipeline: pipeline ?? '', trigger: options!.trigger!, end });
    for (const wake of this.waiters.splice(0)) wake();
    return { run, finished };
  }

  emit(event: PipelineEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  onEvent(listener: (event: PipelineEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once `count` runs have started; fails after `timeoutMs`. */
  async startedCount(count: number, timeoutMs = 5000): Promise<Started[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.started.length < count) {
      const left = deadline - Date.now();
      assert.ok(left > 0, `expected ${count} starts, got ${this.started.length}`);
      await Promise.race([
        new Promise<void>((wake) => this.waiters.push(wake)),
        delay(left, undefined, { ref: false }),
      ]);
    }
    return this.started;
  }

  plan(): never {
    throw new Error('not used by triggers');
  }
  cancel(): never {
    throw new Error('not used by triggers');
  }
  stepStates(): never {
    throw new Error('not used by triggers');
  }
}

function runOf(pipeline: string, file: string, status: PipelineRun['status']): PipelineRun {
  return {
    pipelineRunId: `run-${Math.random().toString(16).slice(2)}`,
    pipeline,
    file,
    status,
    trigger: { kind: 'manual' },
    startTime: Date.now(),
    forced: false,
    steps: [],
  };
}

function pipelineOf(
  root: string,
  name: string,
  triggers: TriggerSpec[],
  outputs: string[] = [],
): ResolvedPipeline {
  const file = path.join(root, 'sextant.yaml');
  const location = { ...testLocation, file };
  return {
    name,
    file,
    root,
    steps: [testStep('true', { name: 'make', outputs, location })],
    compute: [],
    triggers,
    location,
  };
}

let root: string;
let service: TriggerService | undefined;
const errors: string[] = [];

before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-triggers-'));
  fs.mkdirSync(path.join(root, 'data', 'store'), { recursive: true });
});
afterEach(async () => {
  await service?.stop();
  service = undefined;
  errors.length = 0;
});
after(() => fs.rmSync(root, { recursive: true, force: true }));

function serve(runner: FakeRunner, pipelines: ResolvedPipeline[]): TriggerService {
  service = new TriggerService(runner, pipelines, {
    ignore: [path.join(root, 'data', 'store')],
    onError: (message) => errors.push(message),
  });
  return service;
}

describe('TriggerService', () => {
  it('runs a pipeline once for a burst of changes, ignoring its outputs and the store', async () => {
    const runner = new FakeRunner();
    const pipeline = pipelineOf(
      root,
      'ingest',
      [{ kind: 'files', paths: ['data/**/*.csv'], debounceMs: 300 }],
      ['data/out.csv'],
    );
    await serve(runner, [pipeline]).start();
    fs.writeFileSync(path.join(root, 'data', 'a.csv'), '1');
    fs.writeFileSync(path.join(root, 'data', 'b.csv'), '2');
    const [first] = await runner.startedCount(1);
    assert.equal(first!.file, pipeline.file);
    assert.equal(first!.pipeline, 'ingest');
    assert.deepEqual(first!.trigger, { kind: 'files', detail: 'data/a.csv and 1 more' });
    first!.end();

    fs.writeFileSync(path.join(root, 'data', 'out.csv'), 'written by the run');
    fs.writeFileSync(path.join(root, 'data', 'store', 'x.csv'), 'the store');
    fs.writeFileSync(path.join(root, 'data', 'notes.txt'), 'not a csv');
    fs.mkdirSync(path.join(root, 'data', 'node_modules'));
    fs.writeFileSync(path.join(root, 'data', 'node_modules', 'y.csv'), 'tooling');
    await delay(900);
    assert.equal(
      runner.started.length,
      1,
      'outputs, the store, node_modules and non-matching files ignored',
    );

    fs.mkdirSync(path.join(root, 'data', 'more'), { recursive: true });
    fs.writeFileSync(path.join(root, 'data', 'more', 'c.csv'), '3');
    const started = await runner.startedCount(2);
    assert.deepEqual(started[1]!.trigger, { kind: 'files', detail: 'data/more/c.csv' });
    assert.deepEqual(errors, []);
  });

  it('keeps one triggered run at a time and queues one more, not many', async () => {
    const runner = new FakeRunner();
    const pipeline = pipelineOf(root, 'train', []);
    await serve(runner, [pipeline]).start();
    assert.equal(service!.fire(pipeline, { kind: 'webhook', detail: 'first' }), true);
    assert.equal(service!.fire(pipeline, { kind: 'webhook', detail: 'second' }), false);
    assert.equal(service!.fire(pipeline, { kind: 'webhook', detail: 'third' }), false);
    const [first] = await runner.startedCount(1);
    await delay(50);
    assert.equal(runner.started.length, 1);
    first!.end('failed');
    const started = await runner.startedCount(2);
    assert.deepEqual(started[1]!.trigger, { kind: 'webhook', detail: 'third' });
    started[1]!.end();
    await delay(50);
    assert.equal(runner.started.length, 2, 'the queue held one run');
  });

  it('runs on a cron schedule (seconds) and stops with the service', async () => {
    const runner = new FakeRunner();
    const pipeline = pipelineOf(root, 'nightly', [
      { kind: 'cron', schedule: '* * * * * *', timezone: 'Europe/Paris' },
    ]);
    await serve(runner, [pipeline]).start();
    const [first] = await runner.startedCount(1, 2500);
    assert.deepEqual(first!.trigger, { kind: 'cron', detail: '* * * * * * (Europe/Paris)' });
    await delay(2200);
    assert.equal(runner.started.length, 1, 'ticks while it runs queue, they do not start');
    first!.end();
    await runner.startedCount(2);
    await service!.stop();
    const count = runner.started.length;
    runner.started.at(-1)!.end();
    await delay(1500);
    assert.equal(runner.started.length, count, 'nothing runs after stop');
  });

  it('runs a pipeline when another completes, by outcome', async () => {
    const runner = new FakeRunner();
    const on = (name: string, when: 'success' | 'failure' | 'any') =>
      pipelineOf(root, name, [{ kind: 'pipeline', pipeline: 'train', on: when }]);
    await serve(runner, [
      pipelineOf(root, 'train', []),
      on('deploy', 'success'),
      on('alert', 'failure'),
      on('report', 'any'),
    ]).start();
    const file = path.join(root, 'sextant.yaml');
    const done = runOf('train', file, 'done');
    runner.emit({ type: 'run-finished', run: done });
    const afterSuccess = await runner.startedCount(2);
    assert.deepEqual(afterSuccess.map((s) => s.pipeline).sort(), ['deploy', 'report']);
    assert.deepEqual(afterSuccess[0]!.trigger, {
      kind: 'pipeline',
      detail: `train done (${done.pipelineRunId})`,
    });
    for (const started of afterSuccess) started.end();
    await delay(20);
    runner.emit({ type: 'run-finished', run: runOf('train', file, 'failed') });
    const all = await runner.startedCount(4);
    assert.deepEqual(
      all
        .slice(2)
        .map((s) => s.pipeline)
        .sort(),
      ['alert', 'report'],
    );
    runner.emit({ type: 'run-finished', run: runOf('train', file, 'cancelled') });
    await delay(50);
    assert.equal(runner.started.length, 4, 'a cancelled run triggers nothing');
  });

  it('reload replaces the triggers', async () => {
    const runner = new FakeRunner();
    const watched = pipelineOf(root, 'watch', [
      { kind: 'files', paths: ['inbox'], debounceMs: 100 },
    ]);
    fs.mkdirSync(path.join(root, 'inbox'));
    await serve(runner, [watched]).start();
    await service!.reload([pipelineOf(root, 'watch', [])]);
    fs.writeFileSync(path.join(root, 'inbox', 'file'), 'x');
    await delay(600);
    assert.equal(runner.started.length, 0);
    await service!.reload([watched]);
    fs.writeFileSync(path.join(root, 'inbox', 'file'), 'y');
    const [started] = await runner.startedCount(1);
    assert.deepEqual(started!.trigger, { kind: 'files', detail: 'inbox/file' });
  });

  it('reports a watched path outside the workspace and a run that cannot start', async () => {
    const runner = new FakeRunner();
    runner.start = async () => {
      throw new Error('no such pipeline');
    };
    const outside = pipelineOf(root, 'escape', [
      { kind: 'files', paths: ['../elsewhere'], debounceMs: 100 },
    ]);
    await serve(runner, [outside]).start();
    service!.fire(outside, { kind: 'webhook' });
    await delay(20);
    assert.equal(errors.length, 2, errors.join('\n'));
    assert.match(errors[0]!, /'\.\.\/elsewhere' is outside the workspace/);
    assert.match(errors[1]!, /pipeline 'escape' \(webhook trigger\): no such pipeline/);
  });

  it('runs a pipeline when a monitoring alert rule it names fires, recording the alert as the cause', async () => {
    const runner = new FakeRunner();
    const listeners: ((alert: FiredAlert) => void)[] = [];
    const alerts: AlertSource = {
      subscribe: (listener) => {
        listeners.push(listener);
        return () => listeners.splice(listeners.indexOf(listener), 1);
      },
    };
    service = new TriggerService(
      runner,
      [
        pipelineOf(root, 'retrain', [{ kind: 'alert', rule: 'drift' }]),
        pipelineOf(root, 'other', [{ kind: 'alert', rule: 'latency' }]),
      ],
      { alerts, onError: (message) => errors.push(message) },
    );
    await service.start();
    assert.equal(listeners.length, 1);
    listeners[0]!({
      id: 7,
      rule: 'drift',
      deployment: 'iris-api',
      severity: 'critical',
      value: 0.75,
      threshold: 0.5,
    });
    const [started] = await runner.startedCount(1);
    assert.equal(started!.pipeline, 'retrain');
    assert.deepEqual(started!.trigger, {
      kind: 'alert',
      detail: 'drift firing on iris-api (critical, value 0.75, threshold 0.5, alert event 7)',
    });
    assert.equal(alertEventOf(started!.trigger), 7, 'the run names the alert event it came from');
    assert.equal(alertEventOf({ kind: 'cron', detail: 'alert event 7)' }), undefined);
    started!.end();
    await service.stop();
    assert.equal(listeners.length, 0, 'stopping unsubscribes from the alert feed');
    assert.equal(runner.started.length, 1, 'a rule no pipeline names starts nothing');
  });
});
