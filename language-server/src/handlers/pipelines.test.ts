import type { PipelineRun } from '@sextant/core';
import assert from 'node:assert/strict';
import { isAlive } from '@sextant/core/dist/testing/steps';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  LineageQueryRequest,
  PipelinesCancelRequest,
  PipelinesChangedNotification,
  PipelinesGcRequest,
  PipelinesGraphRequest,
  PipelinesListRequest,
  PipelinesLogNotification,
  PipelinesRunRequest,
  PipelinesRunsRequest,
  PipelinesStatesChangedNotification,
  PipelinesStepLogRequest,
} from '../protocol';
import { startSession, type TestSession } from '../session.testing';

const SPEC = `pipelines:
  demo:
    steps:
      make:
        run: echo made > made.txt && echo hello from make
        outs: [made.txt]
      use:
        run: cat made.txt > used.txt
        deps: [made.txt]
        outs: [used.txt]
  slow:
    steps:
      wait:
        run: sleep 60
  env:
    steps:
      show:
        run: echo "$MLFLOW_TRACKING_URI $MLFLOW_RUN_ID"
  terminal:
    steps:
      first:
        run: sleep 1 && echo one > one.txt && sleep 1 && echo from the terminal
        outs: [one.txt]
      second:
        run: cat one.txt > two.txt
        deps: [one.txt]
        outs: [two.txt]
`;

/** Sextant's command line, as a user in a terminal runs it. */
const SEXTANT_BIN = path.join(
  path.dirname(require.resolve('@sextant/core/package.json')),
  'bin',
  'sextant.js',
);

describe('pipeline requests and notifications', () => {
  let session: TestSession;
  let file: string;

  before(async () => {
    session = await startSession();
    file = path.join(session.folder, 'sextant.yaml');
    fs.writeFileSync(file, SPEC);
  });
  after(() => session.close());

  /** `sextant pipeline run <pipeline>` on the session's store, as in a terminal. */
  const terminalRun = (
    pipeline: string,
  ): { exited: Promise<number | null>; stderr: () => string } => {
    const cli = spawn(
      process.execPath,
      [SEXTANT_BIN, 'pipeline', 'run', pipeline, '--store', path.join(session.folder, '.sextant')],
      { cwd: session.folder, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    cli.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => cli.once('exit', resolve));
    return { exited, stderr: () => stderr };
  };

  const finished = (pipelineRunId: string): Promise<PipelineRun> =>
    session.inbox
      .next(
        PipelinesChangedNotification,
        ({ run }) => run.pipelineRunId === pipelineRunId && run.status !== 'running',
      )
      .then((p) => p.run);

  /** What a dry run of the `demo` pipeline plans for each step (run, or from the cache). */
  const demoActions = async (): Promise<string[]> => {
    const { plan } = await session.client.sendRequest(PipelinesRunRequest, {
      file,
      pipeline: 'demo',
      dry: true,
    });
    return plan.map((p) => p.action);
  };

  it('lists the workspace pipeline files with their steps', async () => {
    const { files } = await session.client.sendRequest(PipelinesListRequest);
    assert.equal(files.length, 1);
    assert.equal(files[0]?.file, file);
    assert.deepEqual(
      files[0]?.pipelines.map((p) => [p.name, p.steps, p.lastRun]),
      [
        ['demo', ['make', 'use'], undefined],
        ['slow', ['wait'], undefined],
        ['env', ['show'], undefined],
        ['terminal', ['first', 'second'], undefined],
      ],
    );
  });

  it('plans, runs, notifies progress and logs, and answers the graph, runs and step log', async () => {
    const dry = await session.client.sendRequest(PipelinesRunRequest, { file, dry: true });
    assert.equal(dry.pipelineRunId, undefined);
    assert.deepEqual(dry.plan, [
      { step: 'make', action: 'run' },
      { step: 'use', action: 'run' },
    ]);
    const started = await session.client.sendRequest(PipelinesRunRequest, {
      file,
      pipeline: 'demo',
    });
    assert.ok(started.pipelineRunId);
    const run = await finished(started.pipelineRunId);
    assert.equal(run.status, 'done');
    assert.deepEqual(
      run.steps.map((s) => s.status),
      ['done', 'done'],
    );
    const log = await session.inbox.next(
      PipelinesLogNotification,
      (l) => l.pipelineRunId === started.pipelineRunId && l.step === 'make',
    );
    assert.equal(log.stream, 'stdout');
    assert.match(log.text, /hello from make/);
    // Seven state changes (run started, two steps queued → running → done, run ended) within a
    // few hundred ms: coalesced to at most one notification per 100 ms, the last one final.
    const changes = session.inbox
      .all(PipelinesChangedNotification)
      .filter((c) => c.run.pipelineRunId === started.pipelineRunId);
    const span = (run.endTime as number) - run.startTime;
    assert.ok(
      changes.length <= 2 + Math.ceil(span / 100),
      `${changes.length} notifications in ${span} ms`,
    );
    assert.equal(changes.at(-1)?.run.status, 'done');

    const graph = await session.client.sendRequest(PipelinesGraphRequest, {
      file,
      pipeline: 'demo',
    });
    assert.deepEqual(graph.edges, [{ from: 'make', to: 'use' }]);
    assert.deepEqual(
      graph.nodes.map((n) => [n.step, n.status, n.outputs]),
      [
        ['make', 'done', ['made.txt']],
        ['use', 'done', ['used.txt']],
      ],
    );
    assert.equal(graph.run?.pipelineRunId, started.pipelineRunId);

    const { runs } = await session.client.sendRequest(PipelinesRunsRequest, { pipeline: 'demo' });
    assert.deepEqual(
      runs.map((r) => r.pipelineRunId),
      [started.pipelineRunId],
    );
    const stepLog = await session.client.sendRequest(PipelinesStepLogRequest, {
      pipelineRunId: started.pipelineRunId,
      step: 'make',
    });
    assert.deepEqual(stepLog, { stdout: 'hello from make\n', stderr: '', truncated: false });

    assert.deepEqual(await demoActions(), ['cached', 'cached']);
    // An output changed by hand is restored from the cache by the next run, so nothing is stale:
    // the graph says what the dry plan says.
    fs.writeFileSync(path.join(session.folder, 'made.txt'), 'changed by hand\n');
    const unchanged = await session.client.sendRequest(PipelinesGraphRequest, {
      file,
      pipeline: 'demo',
    });
    assert.deepEqual(
      unchanged.nodes.map((n) => n.status),
      ['done', 'done'],
    );
    assert.deepEqual(await demoActions(), ['cached', 'cached']);
    const never = await session.client.sendRequest(PipelinesGraphRequest, {
      file,
      pipeline: 'terminal',
    });
    assert.deepEqual(
      never.nodes.map((n) => n.status),
      ['not-run', 'not-run'],
    );

    const lineage = await session.client.sendRequest(LineageQueryRequest, {
      path: 'used.txt',
      direction: 'upstream',
    });
    assert.deepEqual(
      lineage.nodes.flatMap((n) => (n.kind === 'execution' ? [n.step] : [])).sort(),
      ['make', 'use'],
    );
  });

  it('follows live a run that a terminal drives on the same store', async () => {
    const cli = terminalRun('terminal');
    const announced = await session.inbox.next(
      PipelinesChangedNotification,
      ({ run }) => run.pipeline === 'terminal',
    );
    const id = announced.run.pipelineRunId;
    // The step is seen running while the other process runs it, then the run seen ending.
    await session.inbox.next(
      PipelinesChangedNotification,
      ({ run }) => run.pipelineRunId === id && run.steps[0]?.status === 'running',
    );
    // What it prints comes as it prints it.
    const printed = await session.inbox.next(
      PipelinesLogNotification,
      (chunk) => chunk.pipelineRunId === id && chunk.text.includes('from the terminal'),
    );
    assert.deepEqual([printed.step, printed.stream], ['first', 'stdout']);
    const done = await finished(id);
    assert.equal(await cli.exited, 0, cli.stderr());
    assert.match(
      cli.stderr(),
      new RegExp(`pipeline terminal run ${id}`),
      'the run the terminal drove',
    );
    assert.equal(done.status, 'done');
    assert.deepEqual(
      done.steps.map((s) => [s.step, s.status]),
      [
        ['first', 'done'],
        ['second', 'done'],
      ],
    );
    const { files } = await session.client.sendRequest(PipelinesListRequest);
    const listed = files[0]?.pipelines.find((p) => p.name === 'terminal');
    assert.equal(listed?.lastRun?.pipelineRunId, id);
  });

  it('cancels a run that a terminal drives: that process stops it', async () => {
    const cli = terminalRun('slow');
    const running = await session.inbox.next(
      PipelinesChangedNotification,
      ({ run }) => run.pipeline === 'slow' && run.steps[0]?.status === 'running',
    );
    const id = running.run.pipelineRunId;
    const cancelled = await session.client.sendRequest(PipelinesCancelRequest, {
      pipelineRunId: id,
    });
    assert.equal(cancelled.status, 'cancelled');
    assert.equal(cancelled.steps[0]?.status, 'cancelled');
    assert.notEqual(await cli.exited, 0, 'the terminal run ended cancelled');
    assert.match(cli.stderr(), /pipeline slow cancelled/);
    // The terminal says why.
    assert.match(
      cli.stderr(),
      /step wait cancelled: the pipeline run was cancelled from another Sextant process/,
    );
    const pid = Number(cancelled.steps[0]?.externalId?.replace(/^pid:/, ''));
    assert.ok(pid > 0, JSON.stringify(cancelled.steps[0]));
    const deadline = Date.now() + 10_000;
    while (isAlive(pid)) {
      assert.ok(Date.now() < deadline, `the step's process ${pid} is still alive`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  /** Starts the `slow` pipeline from the editor; resolves once its step runs. */
  const startSlow = async (): Promise<{ pipelineRunId?: string }> => {
    const started = await session.client.sendRequest(PipelinesRunRequest, {
      file,
      pipeline: 'slow',
    });
    await session.inbox.next(
      PipelinesChangedNotification,
      ({ run }) =>
        run.pipelineRunId === started.pipelineRunId && run.steps[0]?.status === 'running',
    );
    return started;
  };

  it('cancels a running pipeline', async () => {
    const started = await startSlow();
    const cancelled = await session.client.sendRequest(PipelinesCancelRequest, {
      pipelineRunId: started.pipelineRunId as string,
    });
    assert.equal(cancelled.status, 'cancelled');
    assert.equal(cancelled.steps[0]?.status, 'cancelled');
    assert.equal((await finished(started.pipelineRunId as string)).status, 'cancelled');
  });

  it('cleans the cache: dry while a run is in flight, for real once it has ended', async () => {
    const started = await startSlow();
    await assert.rejects(
      session.client.sendRequest(PipelinesGcRequest, { keep: 0 }),
      (error: { message: string; data?: { errorCode?: string } }) =>
        /pipeline runs are in flight: slow/.test(error.message) &&
        error.data?.errorCode === 'INVALID_STATE',
    );
    const dry = await session.client.sendRequest(PipelinesGcRequest, { keep: 0, dry: true });
    assert.equal(dry.dryRun, true);
    assert.ok(dry.entries.removed >= 2, JSON.stringify(dry));
    assert.match(dry.summary, /^would remove \d+ step versions, \d+ files \(/);
    await session.client.sendRequest(PipelinesCancelRequest, {
      pipelineRunId: started.pipelineRunId as string,
    });

    const done = await session.client.sendRequest(PipelinesGcRequest, { keep: 0 });
    assert.deepEqual(
      { ...done, dryRun: true, summary: '' },
      { ...dry, summary: '' },
      'the collection removes what the dry run said',
    );
    assert.equal(done.entries.kept, 0);
    assert.deepEqual(await demoActions(), ['run', 'run'], 'nothing is left to restore');
    await assert.rejects(
      session.client.sendRequest(PipelinesGcRequest, { keep: -1 }),
      /Invalid 'keep': expected an integer from 0/,
    );
    await assert.rejects(
      session.client.sendRequest(PipelinesGcRequest, { dry: 'yes' } as never),
      /Invalid 'dry': expected true or false/,
    );
  });

  it("hands steps the server's tracking URI and their own run id", async () => {
    const started = await session.client.sendRequest(PipelinesRunRequest, {
      file,
      pipeline: 'env',
    });
    const run = await finished(started.pipelineRunId as string);
    const log = await session.client.sendRequest(PipelinesStepLogRequest, {
      pipelineRunId: run.pipelineRunId,
      step: 'show',
    });
    assert.equal(log.stdout, `${session.sextant.trackingUri} ${run.steps[0]?.runId}\n`);
  });

  it(
    'says when workspace files change, so views ask for the states again',
    { timeout: 20_000 },
    async () => {
      const params = path.join(session.folder, 'params.yaml');
      const said = session.inbox.next(PipelinesStatesChangedNotification, ({ files }) =>
        files.includes(params),
      );
      fs.writeFileSync(params, 'lr: 0.1\n');
      assert.ok(
        (await said).files.every((f) => !f.startsWith(path.join(session.folder, '.sextant'))),
      );
    },
  );

  it('refuses files outside the workspace and names unknown runs', async () => {
    await assert.rejects(
      session.client.sendRequest(PipelinesRunRequest, { file: '/etc/sextant.yaml' }),
      /outside the workspace folder/,
    );
    await assert.rejects(
      session.client.sendRequest(PipelinesRunRequest, { file: 'sextant.yaml' }),
      /absolute path/,
    );
    await assert.rejects(
      session.client.sendRequest(PipelinesStepLogRequest, { pipelineRunId: 'nope', step: 'x' }),
      /no pipeline run 'nope'/,
    );
    await assert.rejects(
      session.client.sendRequest(LineageQueryRequest, { path: 'never.txt', direction: 'upstream' }),
      /no lineage recorded for 'never.txt'/,
    );
  });
});
