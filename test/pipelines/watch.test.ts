/**
 * `sextant pipeline watch` as a user runs it: a real process over a real workspace, started by a
 * file change and by the webhook (with and without its token), each run recording its trigger.
 */
import assert from 'node:assert/strict';
import { type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { runProcess } from '../support/cli';
import { SEXTANT_BIN, cleanEnv, spawnTracked } from '../support/server';

const PIPELINE = `pipelines:
  copy:
    on:
      files: [data]
      webhook: true
    steps:
      copy:
        run: cp data/in.txt out.txt
        deps: [data/in.txt]
        outs: [out.txt]
  upstream:
    steps:
      make:
        run: echo made > made.txt
        outs: [made.txt]
  report:
    on:
      pipeline: { name: upstream }
    steps:
      report:
        run: echo reported > report.txt
        outs: [report.txt]
`;

/** Polls until `check` holds; fails after `timeoutMs`. */
async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await delay(100);
  }
}

/** What the tests read of `sextant pipeline runs --json`. */
interface PipelineRunJson {
  pipeline: string;
  status: string;
  trigger: { kind: string; detail?: string };
}

describe('sextant pipeline watch', () => {
  let root: string;
  let watcher: ChildProcess;
  let output = '';
  let url = '';

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-watch-'));
    fs.mkdirSync(path.join(root, 'data'));
    fs.writeFileSync(path.join(root, 'data', 'in.txt'), 'first\n');
    fs.writeFileSync(path.join(root, 'sextant.yaml'), PIPELINE);
    watcher = spawnTracked(process.execPath, [SEXTANT_BIN, 'pipeline', 'watch', '--port', '0'], {
      cwd: root,
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    watcher.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    watcher.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await until('the watcher to start', () => /webhook at (http\S+)/.test(output));
    url = /webhook at (http\S+)/.exec(output)![1]!;
  });

  after(async () => {
    watcher.kill('SIGINT');
    await new Promise((resolve) => watcher.once('exit', resolve));
    fs.rmSync(root, { recursive: true, force: true });
  });

  /** `sextant pipeline runs --json` of the workspace. */
  async function runs(): Promise<PipelineRunJson[]> {
    const result = await runProcess(process.execPath, [SEXTANT_BIN, 'pipeline', 'runs', '--json'], {
      cwd: root,
    });
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout) as PipelineRunJson[];
  }

  it('lists the pipelines it watches', () => {
    assert.match(output, /watching 3 pipeline\(s\) under .*: copy, upstream, report/);
  });

  it('runs the pipeline when a watched file changes', async () => {
    fs.writeFileSync(path.join(root, 'data', 'in.txt'), 'second\n');
    await until('the file-triggered run', () => /pipeline copy done/.test(output));
    assert.equal(fs.readFileSync(path.join(root, 'out.txt'), 'utf8'), 'second\n');
    const [run] = await runs();
    assert.equal(run?.trigger.kind, 'files');
    assert.equal(run?.status, 'done');
  });

  it('refuses the webhook without its token and runs the pipeline with it', async () => {
    const trigger = (headers: Record<string, string>) =>
      fetch(`${url}/api/2.0/sextant/pipelines/trigger`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ pipeline: 'copy' }),
      });
    assert.equal((await trigger({})).status, 401);
    assert.equal((await trigger({ authorization: 'Bearer wrong' })).status, 401);
    const token = fs.readFileSync(path.join(root, '.sextant', 'webhook-token'), 'utf8').trim();
    const accepted = await trigger({ authorization: `Bearer ${token}` });
    assert.equal(accepted.status, 202);
    const { pipelineRunId } = (await accepted.json()) as { pipelineRunId: string };
    assert.match(pipelineRunId, /^[0-9a-f-]{36}$/);
    await until('the webhook run', () => output.includes(`${pipelineRunId}`));
    await until('two finished runs', () => (output.match(/pipeline copy done/g) ?? []).length >= 2);
    const latest = await runs();
    assert.equal(latest[0]?.trigger.kind, 'webhook');
  });

  it('runs a pipeline when the one it names ends, also a run from the command line', async () => {
    // Another process (this command line) runs the upstream pipeline on the same store.
    const upstream = await runProcess(
      process.execPath,
      [SEXTANT_BIN, 'pipeline', 'run', 'upstream'],
      { cwd: root },
    );
    assert.equal(upstream.code, 0, upstream.stderr);
    await until('the watcher to see the other run', () => /pipeline upstream done/.test(output));
    assert.match(output, /pipeline upstream started \(manual\)/);
    await until('the pipeline-triggered run', () => /pipeline report done/.test(output));
    assert.equal(fs.readFileSync(path.join(root, 'report.txt'), 'utf8'), 'reported\n');
    const report = (await runs()).find((r) => r.pipeline === 'report');
    assert.equal(report?.trigger.kind, 'pipeline');
    assert.match(report?.trigger.detail ?? '', /^upstream done/);
    assert.equal((output.match(/pipeline report started/g) ?? []).length, 1, 'fired once');
  });
});
