/**
 * The way a Ray job's outputs come back when the cluster does not share the workspace, without
 * Ray: the job-side sender (Python, run as a job runs it) puts files into a real Sextant
 * tracking server that asks for a token, and Sextant fetches them into a workspace.
 */
import {
  fetchStagedOutputs,
  SEND_OUTPUTS_SCRIPT,
  stagingFolder,
} from '@sextant/core/dist/compute/rayTransfer';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runProcess } from '../support/cli';
import { startServerProcess, tempStore, type ServerProcess } from '../support/server';

const TOKEN = 'the-cluster-token';

describe("a Ray job's outputs sent back through the tracking server", () => {
  let dir = '';
  let server: ServerProcess;
  let job = '';

  before(async () => {
    dir = tempStore('sextant-send-');
    server = await startServerProcess(path.join(dir, 'store'), ['--token', TOKEN]);
    // The package root as the job sees it: what the step wrote, and a file it did not declare.
    job = path.join(dir, 'job');
    fs.mkdirSync(path.join(job, 'out', 'parts'), { recursive: true });
    fs.writeFileSync(path.join(job, 'out', 'model.bin'), Buffer.from([0, 1, 2, 255]));
    fs.writeFileSync(path.join(job, 'out', 'parts', 'a b.txt'), 'spaced name\n');
    fs.writeFileSync(path.join(job, 'metrics.json'), '{"acc": 0.9}');
    fs.writeFileSync(path.join(job, 'scratch.txt'), 'not an output\n');
    // Tools' state is not sent, and a link back into the folder does not send it forever.
    fs.mkdirSync(path.join(job, 'out', '__pycache__'));
    fs.writeFileSync(path.join(job, 'out', '__pycache__', 'm.cpython-311.pyc'), 'bytecode');
    fs.symlinkSync('..', path.join(job, 'out', 'parts', 'loop'));
  });

  after(async () => {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const send = (folder: string, token?: string) =>
    runProcess(
      'python3',
      ['-c', SEND_OUTPUTS_SCRIPT, server.url, folder, 'out', 'metrics.json', 'missing.txt'],
      {
        cwd: job,
        env: token ? { MLFLOW_TRACKING_TOKEN: token } : { MLFLOW_TRACKING_TOKEN: '' },
      },
    );

  test('without the token the sender fails and says why', async () => {
    const sent = await send(stagingFolder('sextant-no-token'));
    assert.notEqual(sent.code, 0);
    assert.match(
      sent.stderr,
      /sextant: could not send output \S+ back to http:\/\/127\.0\.0\.1:\d+: HTTP Error 401/,
    );
  });

  test('with it, every declared output lands in the workspace and the staging folder goes', async () => {
    const folder = stagingFolder('sextant-job-1');
    const sent = await send(folder, TOKEN);
    assert.equal(sent.code, 0, sent.stderr);
    assert.ok(fs.existsSync(path.join(server.store, 'artifacts', folder, 'out', 'model.bin')));
    const workspace = path.join(dir, 'workspace');
    fs.mkdirSync(workspace);
    const fetched = await fetchStagedOutputs(server.url, folder, workspace, TOKEN);
    assert.deepEqual(fetched, ['metrics.json', 'out/model.bin', 'out/parts/a b.txt']);
    assert.deepEqual(
      [...fs.readFileSync(path.join(workspace, 'out', 'model.bin'))],
      [0, 1, 2, 255],
    );
    assert.equal(
      fs.readFileSync(path.join(workspace, 'out', 'parts', 'a b.txt'), 'utf8'),
      'spaced name\n',
    );
    assert.ok(!fs.existsSync(path.join(workspace, 'scratch.txt')), 'an undeclared file came back');
    assert.ok(
      !fs.existsSync(path.join(server.store, 'artifacts', folder)),
      'the staging folder was left in the artifact store',
    );
  });
});
