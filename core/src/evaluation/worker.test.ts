import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gone, TEST_PYTHON as PYTHON } from './evaluation.testing';
import { EvaluationCancelled, runWorker, WORKER_SCRIPT } from './worker';
import { WorkerProtocolError, type WorkerMessage } from './protocol';

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-eval-worker-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A stand-in worker: a Python script whose body is `body`, with `emit(dict)` on stdout. */
function script(name: string, body: string): string {
  const file = path.join(dir, `${name}.py`);
  fs.writeFileSync(
    file,
    `import json, os, sys, time, subprocess\n` +
      `def emit(m):\n    sys.stdout.write(json.dumps(m) + "\\n"); sys.stdout.flush()\n` +
      body,
  );
  return file;
}

const run = (file: string, extra: Partial<Parameters<typeof runWorker>[0]> = {}) =>
  runWorker({
    python: PYTHON,
    script: file,
    requestFile: path.join(dir, 'request.json'),
    ...extra,
  });

describe('the evaluation worker, run', () => {
  it('gathers progress, artifacts, warnings and the result, in order', async () => {
    const messages: WorkerMessage[] = [];
    let stderr = '';
    const outcome = await run(
      script(
        'ok',
        `emit({"type": "progress", "stage": "predict", "message": "predicting", "fraction": 0.5})\n` +
          `print("the model talks", file=sys.stderr)\n` +
          `emit({"type": "artifact", "path": "roc_curve.json"})\n` +
          `emit({"type": "warning", "message": "no SHAP"})\n` +
          `sys.stdout.write(json.dumps({"type": "result", "rows": 4, "metrics": {"accuracy_score": 0.75}, "slices": []}))\n`,
      ),
      { onMessage: (m) => messages.push(m), onStderr: (text) => (stderr += text) },
    );
    assert.deepEqual(outcome, {
      rows: 4,
      metrics: { accuracy_score: 0.75 },
      slices: [],
      artifacts: ['roc_curve.json'],
      warnings: ['no SHAP'],
    });
    assert.deepEqual(
      messages.map((m) => m.type),
      ['progress', 'artifact', 'warning', 'result'],
    );
    assert.match(stderr, /the model talks/);
  });

  it("rejects with the worker's own error message", async () => {
    await assert.rejects(
      run(
        script(
          'error',
          `emit({"type": "error", "message": "ValueError: no column 'y'"})\nsys.exit(1)\n`,
        ),
      ),
      /the evaluation failed: ValueError: no column 'y'/,
    );
  });

  it('rejects with the exit code and the end of stderr when the worker dies without a word', async () => {
    await assert.rejects(
      run(script('dies', `print("Segmentation fault in libfoo", file=sys.stderr)\nos._exit(3)\n`)),
      /ended with exit code 3; its last output:\nSegmentation fault in libfoo/,
    );
    await assert.rejects(
      run(script('silent', `pass\n`)),
      /ended with exit code 0 without a result/,
    );
  });

  it('kills a worker that writes a line that is no message, and says which', async () => {
    const started = Date.now();
    await assert.rejects(
      run(script('garbage', `print("hello", flush=True)\ntime.sleep(30)\n`)),
      (error: unknown) =>
        error instanceof WorkerProtocolError && /not JSON.*hello/.test(error.message),
    );
    assert.ok(Date.now() - started < 10_000, 'the worker was killed, not waited for');
  });

  it('cancels: aborting kills the worker and what it started, and rejects as cancelled', async () => {
    const controller = new AbortController();
    let childPid = 0;
    let workerPid = 0;
    const pending = run(
      script(
        'slow',
        `child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])\n` +
          `emit({"type": "progress", "stage": "predict", "message": f"{os.getpid()} {child.pid}"})\n` +
          `time.sleep(60)\n`,
      ),
      {
        signal: controller.signal,
        onMessage: (m) => {
          if (m.type !== 'progress') return;
          [workerPid, childPid] = m.message.split(' ').map(Number) as [number, number];
          controller.abort();
        },
      },
    );
    await assert.rejects(pending, EvaluationCancelled);
    assert.ok(workerPid > 0 && childPid > 0);
    assert.equal(await gone(workerPid), true, 'the worker is gone');
    assert.equal(await gone(childPid), true, "the worker's own child is gone (its process group)");
    await assert.rejects(
      run(script('never', 'pass\n'), { signal: AbortSignal.abort() }),
      EvaluationCancelled,
    );
  });

  it('names a Python that is not there; the shipped worker reports a bad request on the protocol', async () => {
    await assert.rejects(
      run(script('x', 'pass\n'), { python: path.join(dir, 'no-python') }),
      /'.*no-python' was not found/,
    );
    fs.writeFileSync(path.join(dir, 'request.json'), '{not json');
    assert.ok(fs.existsSync(WORKER_SCRIPT), `${WORKER_SCRIPT} ships with core`);
    await assert.rejects(
      runWorker({ python: PYTHON, requestFile: path.join(dir, 'request.json') }),
      /the evaluation failed: JSONDecodeError/,
    );
  });
});
