import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { isAlive, testStep } from '../testing/steps';
import { LocalBackend } from './local';

describe('the local backend', () => {
  it('runs sh -c in the working directory with the environment, streaming output', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-local-'));
    fs.mkdirSync(path.join(root, 'sub'));
    const out: string[] = [];
    const outcome = await new LocalBackend().execute({
      step: { ...testStep('pwd; echo "$GREETING"; echo warn >&2; exit 4'), wd: 'sub' },
      root,
      env: { base: { PATH: process.env.PATH ?? '' }, vars: { GREETING: 'hi' } },
      signal: new AbortController().signal,
      onOutput: (stream, text) => out.push(`${stream}:${text}`),
    });
    assert.deepEqual(outcome, { exitCode: 4, reason: 'exited with code 4' });
    const text = out.join('');
    assert.match(text, new RegExp(`stdout:${path.join(fs.realpathSync(root), 'sub')}`));
    assert.match(text, /hi/);
    assert.match(text, /stderr:warn/);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('stops the whole process group on abort, SIGKILL after the grace period', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-local-'));
    const pidFile = path.join(root, 'pid');
    const controller = new AbortController();
    const started = Date.now();
    const running = new LocalBackend(300).execute({
      // The grandchild ignores SIGTERM, so only the SIGKILL after the grace period ends it.
      step: testStep(`sh -c 'trap "" TERM; sleep 60 & echo $! > ${pidFile}; wait' ; true`),
      root,
      env: { base: { PATH: process.env.PATH ?? '' }, vars: {} },
      signal: controller.signal,
      onOutput: () => undefined,
    });
    while (!fs.existsSync(pidFile) || fs.readFileSync(pidFile, 'utf8').trim() === '') {
      await new Promise((r) => setTimeout(r, 20));
    }
    const sleeper = Number(fs.readFileSync(pidFile, 'utf8'));
    controller.abort(new Error('cancelled'));
    const outcome = await running;
    assert.equal(outcome.reason, 'cancelled');
    const deadline = Date.now() + 3_000;
    while (isAlive(sleeper) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(isAlive(sleeper), false, 'the grandchild outlived the step');
    assert.ok(Date.now() - started < 10_000);
    fs.rmSync(root, { recursive: true, force: true });
  });
});
