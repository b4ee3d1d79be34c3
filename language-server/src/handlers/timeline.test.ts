import { Engine } from '@sextant/core';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ResponseError } from 'vscode-jsonrpc/node';
import { TimelineGetRequest, type SextantErrorData } from '../protocol';
import { startSession, type TestSession } from '../session.testing';

describe('timeline requests', { timeout: 30_000 }, () => {
  let session: TestSession;

  before(async () => {
    session = await startSession();
    const seed = Engine.open({ storeDir: session.sextant.storeDir });
    seed.deployments.record(
      'shop',
      'deploy',
      { user: 'ada' },
      {
        status: 'stopped',
        variants: [
          {
            name: 'main',
            model: 'm',
            version: '1',
            uri: 'models:/m/1',
            weight: 100,
            shadow: false,
            replicas: 1,
          },
        ],
      },
    );
    seed.monitoring.store.recordAlert({
      rule: 'drift',
      monitor: 'inputs',
      deployment: 'shop',
      state: 'firing',
      severity: 'critical',
      time: Date.now() + 1,
      user: 'sextant',
      threshold: 1,
      evidence: {},
    });
    await seed.close();
  });
  after(() => session.close());

  it('answers the timeline of a deployment, oldest first, with what each item opens', async () => {
    const timeline = await session.client.sendRequest(TimelineGetRequest, { deployment: 'shop' });
    assert.deepEqual(
      timeline.items.map((i) => [i.kind, i.title, i.status]),
      [
        ['deployment', 'Deployed shop', 'info'],
        ['alert', 'drift firing on shop', 'failure'],
      ],
    );
    assert.deepEqual(timeline.items[1]!.target, { kind: 'deployment', name: 'shop' });
    assert.deepEqual(timeline.models, ['m']);
  });

  it('refuses a malformed query with an error that says what was wrong', async () => {
    await assert.rejects(
      session.client.sendRequest(TimelineGetRequest, { limit: 0 }),
      (error: ResponseError<SextantErrorData>) => /limit/.test(error.message),
    );
    await assert.rejects(
      session.client.sendRequest(TimelineGetRequest, { since: 10, until: 5 }),
      (error: ResponseError<SextantErrorData>) =>
        /'since' \(10\) is after 'until'/.test(error.message),
    );
    await assert.rejects(
      session.client.sendRequest(TimelineGetRequest, { deployment: 'no such/name' }),
      (error: ResponseError<SextantErrorData>) => /not a deployment name/.test(error.message),
    );
  });
});
