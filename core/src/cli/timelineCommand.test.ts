import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Engine } from '../engine';
import type { Timeline } from '../model/timeline';
import { buildCli } from './main';

let dir: string;

/** Runs `sextant <args>` on the test store and answers what it printed. */
async function sextant(...args: string[]): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const program = await buildCli(out, args[0]);
  program.exitOverride();
  await program.parseAsync(['node', 'sextant', ...args, '--store', dir]);
  return Buffer.concat(chunks).toString('utf8');
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-timeline-cli-'));
  const engine = Engine.open({ storeDir: dir });
  engine.deployments.record(
    'fraud',
    'deploy',
    { user: 'ada', reason: 'first' },
    {
      status: 'stopped',
      variants: [
        {
          name: 'main',
          model: 'churn',
          version: '1',
          uri: 'models:/churn/1',
          weight: 100,
          shadow: false,
          replicas: 1,
        },
      ],
    },
  );
  engine.monitoring.store.recordAlert({
    rule: 'drift_share',
    monitor: 'fraud-drift',
    deployment: 'fraud',
    state: 'firing',
    severity: 'warning',
    time: Date.now() + 1000,
    user: 'sextant',
    threshold: 0.5,
    evidence: {},
  });
  await engine.close();
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('sextant timeline', () => {
  it('prints the timeline as JSON: items oldest first, with their targets', async () => {
    const timeline = JSON.parse(
      await sextant('timeline', '--deployment', 'fraud', '--json'),
    ) as Timeline;
    assert.deepEqual(
      timeline.items.map((i) => [i.kind, i.title]),
      [
        ['deployment', 'Deployed fraud'],
        ['alert', 'drift_share firing on fraud'],
      ],
    );
    assert.deepEqual(timeline.items[0]!.target, { kind: 'deployment', name: 'fraud' });
    assert.deepEqual(timeline.deployments, ['fraud']);
    assert.deepEqual(timeline.models, ['churn']);
    assert.equal(timeline.truncated, false);
  });

  it('prints a table, and refuses a time it cannot read', async () => {
    const text = await sextant('timeline');
    assert.match(text, /^#\s+time\s+kind\s+status\s+what/);
    assert.match(text, /drift_share firing on fraud/);
    await assert.rejects(sextant('timeline', '--since', 'yesterday-ish'), /--since takes ms/);
  });
});
