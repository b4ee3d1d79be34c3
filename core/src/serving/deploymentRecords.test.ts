import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { openDatabase } from '../store';
import { DeploymentRecords, type DeploymentState } from './deploymentRecords';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-deployments-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const variant = (name: string, version: string, weight: number) => ({
  name,
  model: 'iris',
  version,
  uri: `models:/iris/${version}`,
  weight,
  shadow: false,
  replicas: 1,
});

describe('DeploymentRecords', () => {
  it('keeps every change with who, why and the state after, and answers what served at T', () => {
    const records = new DeploymentRecords(openDatabase(dir, { create: true }));
    const alice = { user: 'alice', reason: 'first release' };
    const v1: DeploymentState = { status: 'running', variants: [variant('champion', '1', 100)] };
    const canary: DeploymentState = {
      status: 'running',
      variants: [variant('champion', '1', 90), variant('challenger', '2', 10)],
    };
    records.record('iris-api', 'deploy', alice, v1, {}, 1_000);
    records.record(
      'iris-api',
      'traffic',
      { user: 'bob' },
      canary,
      { weights: { challenger: 10 } },
      2_000,
    );
    records.record(
      'iris-api',
      'stop',
      { user: 'bob', reason: 'done' },
      { ...canary, status: 'stopped' },
      {},
      3_000,
    );

    assert.equal(records.servedAt('iris-api', 999), undefined);
    assert.deepEqual(
      records.servedAt('iris-api', 1_500)?.state.variants.map((v) => [v.name, v.version, v.weight]),
      [['champion', '1', 100]],
    );
    const at2 = records.servedAt('iris-api', 2_000)!;
    assert.equal(at2.event.kind, 'traffic');
    assert.equal(at2.event.user, 'bob');
    assert.deepEqual(
      at2.state.variants.map((v) => [v.name, v.version, v.weight]),
      [
        ['champion', '1', 90],
        ['challenger', '2', 10],
      ],
    );
    assert.equal(records.servedAt('iris-api', 5_000)?.state.status, 'stopped');

    const [listed] = records.list();
    assert.equal(listed?.name, 'iris-api');
    assert.equal(listed?.state.status, 'stopped');
    assert.equal(listed?.creationTime, 1_000);
    assert.equal(listed?.lastUpdateTime, 3_000);
    assert.deepEqual(
      records.events('iris-api').map((e) => [e.kind, e.user, e.reason]),
      [
        ['deploy', 'alice', 'first release'],
        ['traffic', 'bob', undefined],
        ['stop', 'bob', 'done'],
      ],
    );
    assert.equal(records.lastOf('iris-api', ['traffic', 'promote'])?.time, 2_000);
  });

  it('refuses a bad name and reports an unknown deployment clearly', () => {
    const records = new DeploymentRecords(openDatabase(dir, { create: true }));
    assert.throws(() => records.get('no such'), /not a deployment name/);
    assert.throws(() => records.get('absent'), /no deployment named 'absent'/);
  });
});
