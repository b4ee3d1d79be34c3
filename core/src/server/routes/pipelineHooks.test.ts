import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Engine } from '../../engine';
import type { PipelineRun, ResolvedPipeline, TriggerSpec } from '../../model/pipeline';
import type { PipelineRunner, StartOptions } from '../../pipelines';
import { startServer, type RunningServer } from '../app';
import { WEBHOOK_TOKEN_FILE } from './pipelineHooks';

const NOWHERE = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

function pipelineOf(root: string, file: string, name: string, triggers: TriggerSpec[]) {
  const absolute = path.join(root, file);
  return {
    name,
    file: absolute,
    root,
    steps: [],
    compute: [],
    triggers,
    location: { file: absolute, range: NOWHERE },
  } satisfies ResolvedPipeline;
}

/** Records starts; the HTTP route is what is under test. */
class FakeRunner implements Pick<PipelineRunner, 'start'> {
  readonly starts: Array<{ file: string; pipeline?: string; options?: StartOptions }> = [];
  async start(file: string, pipeline?: string, options?: StartOptions) {
    this.starts.push({ file, pipeline, options });
    const run: PipelineRun = {
      pipelineRunId: `prun-${this.starts.length}`,
      pipeline: pipeline ?? '',
      file,
      status: 'running',
      trigger: options?.trigger ?? { kind: 'manual' },
      startTime: Date.now(),
      forced: false,
      steps: [],
    };
    return { run, finished: Promise.resolve({ ...run, status: 'done' as const }) };
  }
}

const WEBHOOK: TriggerSpec = { kind: 'webhook' };

describe('POST /api/2.0/sextant/pipelines/trigger', () => {
  let dir: string;
  let engine: Engine;
  let server: RunningServer;
  let token: string;
  const runner = new FakeRunner();

  const trigger = (body: unknown, authorization?: string) =>
    fetch(`${server.url}/api/2.0/sextant/pipelines/trigger`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(authorization ? { authorization } : {}),
      },
      body: JSON.stringify(body),
    });

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-hooks-'));
    engine = Engine.open({ storeDir: path.join(dir, '.sextant') });
    const pipelines = [
      pipelineOf(dir, 'sextant.yaml', 'train', [WEBHOOK]),
      pipelineOf(dir, 'sextant.yaml', 'private', []),
      pipelineOf(dir, 'a/sextant.yaml', 'twice', [WEBHOOK]),
      pipelineOf(dir, 'b/sextant.yaml', 'twice', [WEBHOOK]),
    ];
    delete process.env.SEXTANT_WEBHOOK_TOKEN;
    server = await startServer(engine, {
      host: '127.0.0.1',
      port: 0,
      pipelines: { runner: runner as unknown as PipelineRunner, pipelines: async () => pipelines },
    });
    token = fs.readFileSync(path.join(dir, '.sextant', WEBHOOK_TOKEN_FILE), 'utf8').trim();
  });

  after(async () => {
    await server.close();
    await engine.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps a random token in the store, readable by its owner only', () => {
    assert.match(token, /^[0-9a-f]{64}$/);
    const mode = fs.statSync(path.join(dir, '.sextant', WEBHOOK_TOKEN_FILE)).mode & 0o777;
    assert.equal(mode, 0o600);
  });

  it('refuses a request without the token or with a wrong one', async () => {
    const before = runner.starts.length;
    for (const authorization of [
      undefined,
      `Bearer ${token.slice(0, -1)}${token.endsWith('0') ? '1' : '0'}`,
      `Bearer ${token}x`,
      `Basic ${token}`,
    ]) {
      const response = await trigger({ pipeline: 'train' }, authorization);
      assert.equal(response.status, 401, String(authorization));
      const body = (await response.json()) as { error_code: string; message: string };
      assert.equal(body.error_code, 'UNAUTHENTICATED');
      assert.match(body.message, /webhook-token/);
    }
    assert.equal(runner.starts.length, before, 'nothing started');
  });

  it('starts the named pipeline and answers 202 with its run id', async () => {
    const response = await trigger({ pipeline: 'train' }, `Bearer ${token}`);
    assert.equal(response.status, 202);
    const body = (await response.json()) as { pipelineRunId: string };
    const start = runner.starts.at(-1)!;
    assert.equal(body.pipelineRunId, `prun-${runner.starts.length}`);
    assert.equal(start.file, path.join(dir, 'sextant.yaml'));
    assert.equal(start.pipeline, 'train');
    assert.equal(start.options?.trigger?.kind, 'webhook');
    assert.match(start.options?.trigger?.detail ?? '', /^POST from 127\.0\.0\.1$/);
  });

  it('finds a pipeline by its file when names repeat, and asks for the file otherwise', async () => {
    const ambiguous = await trigger({ pipeline: 'twice' }, `Bearer ${token}`);
    assert.equal(ambiguous.status, 400);
    assert.match(((await ambiguous.json()) as { message: string }).message, /send 'file'/);
    const response = await trigger(
      { pipeline: 'twice', file: 'b/sextant.yaml' },
      `Bearer ${token}`,
    );
    assert.equal(response.status, 202);
    assert.equal(runner.starts.at(-1)!.file, path.join(dir, 'b', 'sextant.yaml'));
  });

  it('answers 404 for an unknown pipeline, 403 for one without a webhook trigger', async () => {
    const before = runner.starts.length;
    const unknown = await trigger({ pipeline: 'nope' }, `Bearer ${token}`);
    assert.equal(unknown.status, 404);
    assert.equal(
      ((await unknown.json()) as { error_code: string }).error_code,
      'RESOURCE_DOES_NOT_EXIST',
    );
    const wrongFile = await trigger(
      { pipeline: 'train', file: '../etc/passwd' },
      `Bearer ${token}`,
    );
    assert.equal(wrongFile.status, 404);
    const closed = await trigger({ pipeline: 'private' }, `Bearer ${token}`);
    assert.equal(closed.status, 403);
    assert.match(((await closed.json()) as { message: string }).message, /webhook: true/);
    const missing = await trigger({}, `Bearer ${token}`);
    assert.equal(missing.status, 400);
    assert.equal(runner.starts.length, before, 'nothing started');
  });

  it('takes the token from SEXTANT_WEBHOOK_TOKEN when set, and writes no file', async () => {
    const store = path.join(dir, 'other-store');
    const other = Engine.open({ storeDir: store });
    process.env.SEXTANT_WEBHOOK_TOKEN = 'from-the-environment';
    try {
      const running = await startServer(other, {
        host: '127.0.0.1',
        port: 0,
        pipelines: {
          runner: runner as unknown as PipelineRunner,
          pipelines: async () => [pipelineOf(dir, 'sextant.yaml', 'train', [WEBHOOK])],
        },
      });
      const url = `${running.url}/api/2.0/sextant/pipelines/trigger`;
      const post = (authorization: string) =>
        fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization },
          body: JSON.stringify({ pipeline: 'train' }),
        });
      assert.equal((await post('Bearer from-the-environment')).status, 202);
      assert.equal((await post(`Bearer ${token}`)).status, 401);
      assert.equal(fs.existsSync(path.join(store, WEBHOOK_TOKEN_FILE)), false);
      await running.close();
    } finally {
      delete process.env.SEXTANT_WEBHOOK_TOKEN;
      await other.close();
    }
  });
});
