import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { autoscalingConfig, type ScaleEvidence } from './autoscaler';
import { serveDeployment, type RunningDeployment } from './deployment';
import { echoWorker } from './echoWorker.testing';

const PYTHON = process.env.SEXTANT_PYTHON || 'python3';
const { dir, script } = echoWorker('sextant-scaling-');
const scales: ScaleEvidence[] = [];
let deployment: RunningDeployment;

before(async () => {
  deployment = await serveDeployment({
    name: 'echo-scaled',
    variants: [
      { name: 'champion', model: 'echo', version: '1', modelDir: dir, python: PYTHON, weight: 100 },
    ],
    script,
    maxConcurrency: 1,
    autoscaling: {
      min: 1,
      max: 3,
      config: autoscalingConfig({
        targetConcurrency: 1,
        stableWindowMs: 3_000,
        panicWindowMs: 600,
        scaleDownDelayMs: 500,
      }),
    },
    onScale: (_, evidence) => scales.push(evidence),
    adminActions: {
      scale: (body) => deployment.scale(body.replicas as number),
    },
  });
  await deployment.ready;
});

after(async () => {
  await deployment.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function invoke(sleep = 0.02): Promise<number> {
  const response = await fetch(`${deployment.url}/invocations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: [1], sleep }),
  });
  await response.arrayBuffer();
  return response.status;
}

/** `callers` loops calling until `stop()`; the statuses answered. */
function load(callers: number, sleep = 0.02) {
  let running = true;
  const statuses: number[] = [];
  const loops = Array.from({ length: callers }, async () => {
    while (running) statuses.push(await invoke(sleep));
  });
  return {
    statuses,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

const until = async (check: () => boolean, ms: number, what: string): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
};

const metricLine = async (state: string): Promise<string | undefined> =>
  (await (await fetch(`${deployment.url}/metrics`)).text())
    .split('\n')
    .find((l) =>
      l.startsWith(
        `sextant_serving_deployment_replicas{deployment="echo-scaled",variant="champion",state="${state}"}`,
      ),
    );

describe('a deployment that autoscales', () => {
  it('scales up on a burst within the panic window, then back to min after the quiet', async () => {
    await new Promise((r) => setTimeout(r, 1_000));
    const started = Date.now();
    const burst = load(24, 0.1);
    await until(() => scales.length > 0, 5_000, 'a scale-up');
    const decided = Date.now() - started;
    await until(() => deployment.replicas().champion!.ready === 3, 15_000, '3 ready replicas');
    assert.match((await metricLine('ready')) ?? '', / 3$/);
    assert.match((await metricLine('target')) ?? '', / 3$/);
    await new Promise((r) => setTimeout(r, 1_000));
    await burst.stop();
    const quiet = Date.now();
    assert.ok(burst.statuses.length > 30, `${burst.statuses.length} answers`);
    assert.deepEqual(
      burst.statuses.filter((s) => s !== 200),
      [],
    );
    assert.equal(scales[0]!.from, 1);
    assert.ok(decided < 600 + 500, `decided ${decided} ms into the burst`);
    const panic = scales.find((e) => e.mode === 'panic');
    assert.ok(
      panic && panic.to > panic.from && panic.panicConcurrency >= 2,
      JSON.stringify(scales),
    );
    assert.ok(
      scales.every((e) => e.to > e.from),
      'no scale-down while the burst lasts',
    );
    await until(() => deployment.replicas().champion!.target === 1, 15_000, 'back to 1');
    const downs = scales.filter((e) => e.to < e.from);
    assert.deepEqual(
      [downs[0]!.from, downs.at(-1)!.to, downs.every((e) => e.mode === 'stable')],
      [3, 1, true],
    );
    assert.ok(Date.now() - quiet >= 500, 'not before the scale-down delay');
    await until(() => deployment.replicas().champion!.ready === 1, 10_000, 'the drained replicas');
  });

  it('holds a count set by hand until handed back to the autoscaler', async () => {
    scales.length = 0;
    const replicas = await deployment.scale(2);
    assert.deepEqual(replicas.champion, { target: 2, ready: 2, starting: 0, autoscaled: false });
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(deployment.replicas().champion!.target, 2);
    assert.deepEqual(scales, []);
    await deployment.scale('auto');
    await until(() => deployment.replicas().champion!.target === 1, 10_000, 'min again');
    await assert.rejects(deployment.scale(2, 'nope'), /no variant 'nope'/);
  });

  it('answers its admin actions, and 404 or 400 to what it does not know', async () => {
    const post = (action: string, body: string) =>
      fetch(`${deployment.url}/v2/sextant/deployments/echo-scaled/${action}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
    const scaled = await post('scale', '{"replicas": 2}');
    assert.equal(scaled.status, 200);
    assert.equal(((await scaled.json()) as { champion: { target: number } }).champion.target, 2);
    assert.equal((await post('unknown', '{}')).status, 404);
    const bad = await post('scale', '[1]');
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /JSON object/);
    await deployment.scale('auto');
  });

  it('rolls to a new version under load with no failed request', async () => {
    // Version 2 has a signature; version 1 had none.
    const v2 = path.join(dir, 'v2');
    fs.mkdirSync(v2);
    const inputs = [{ name: 'x', type: 'double', required: true }];
    fs.writeFileSync(path.join(v2, 'signature.json'), JSON.stringify(inputs));
    const before1 = (await (await fetch(`${deployment.url}/v2/models/echo`)).json()) as {
      inputs: unknown[];
    };
    assert.deepEqual(before1.inputs, []);
    const traffic = load(6);
    await until(() => traffic.statuses.length > 20, 5_000, 'traffic');
    const result = await deployment.update('champion', {
      model: 'echo',
      version: '2',
      modelDir: v2,
      python: PYTHON,
    });
    const at = traffic.statuses.length;
    await until(() => traffic.statuses.length > at + 20, 5_000, 'traffic after');
    await traffic.stop();
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.deepEqual(
      traffic.statuses.filter((s) => s !== 200),
      [],
    );
    const metadata = (await (await fetch(`${deployment.url}/v2/models/echo`)).json()) as {
      versions: string[];
      inputs: { name: string; datatype: string }[];
    };
    assert.deepEqual(metadata.versions, ['2']);
    assert.deepEqual(
      metadata.inputs.map((i) => [i.name, i.datatype]),
      [['x', 'FP64']],
      "the new version's signature",
    );
    const metrics = await (await fetch(`${deployment.url}/metrics`)).text();
    const replicas = metrics.split('\n').filter((l) => l.startsWith('sextant_serving_replicas{'));
    assert.ok(
      replicas.some((l) => /model="echo",version="2",state="ready"\} [1-9]/.test(l)),
      replicas.join('\n'),
    );
    assert.ok(!replicas.some((l) => l.includes('version="1"')), replicas.join('\n'));
    assert.match(metrics, /sextant_serving_queue_depth\{model="echo",version="2"\}/);
  });
});
