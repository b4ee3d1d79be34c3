import type { PipelineRun } from '@sextant/core';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PipelinesChangedNotification, PipelinesRunRequest } from '../protocol';
import { startSession, type TestSession } from '../session.testing';

const SPEC = `pipelines:
  where:
    steps:
      prefix:
        run: python -c "import sys; print(sys.prefix)" > prefix.txt
        outs: [prefix.txt]
`;

/** A real virtual environment (no pip: only its interpreter matters here). */
function venv(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-python-'));
  execFileSync('python3', ['-m', 'venv', '--without-pip', dir]);
  return dir;
}

describe('the interpreter pipeline steps run with', () => {
  let session: TestSession;
  let chosen: string;
  let setting: string;

  before(async () => {
    chosen = venv();
    setting = venv();
    session = await startSession({
      initializationOptions: {
        python: { path: path.join(chosen, 'bin', 'python'), source: 'the selected interpreter' },
      },
    });
    fs.writeFileSync(path.join(session.folder, 'sextant.yaml'), SPEC);
  });
  after(async () => {
    await session.close();
    for (const dir of [chosen, setting]) fs.rmSync(dir, { recursive: true, force: true });
  });

  const runWhere = async (): Promise<string> => {
    const file = path.join(session.folder, 'sextant.yaml');
    const started = await session.client.sendRequest(PipelinesRunRequest, {
      file,
      pipeline: 'where',
      force: true,
    });
    const run: PipelineRun = (
      await session.inbox.next(
        PipelinesChangedNotification,
        (p) => p.run.pipelineRunId === started.pipelineRunId && p.run.status !== 'running',
      )
    ).run;
    assert.equal(run.status, 'done', JSON.stringify(run.steps));
    return fs.readFileSync(path.join(session.folder, 'prefix.txt'), 'utf8').trim();
  };

  it("is the client's choice, then the sextant.python setting once it is set", async () => {
    assert.equal(await runWhere(), chosen);
    await session.client.sendNotification('workspace/didChangeConfiguration', {
      settings: { sextant: { python: path.join(setting, 'bin', 'python') } },
    });
    assert.equal(await runWhere(), setting);
    await session.client.sendNotification('workspace/didChangeConfiguration', {
      settings: { sextant: { python: '' } },
    });
    assert.equal(await runWhere(), chosen, 'an emptied setting gives the choice back');
  });
});
