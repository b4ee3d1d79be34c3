import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testStep } from '../../testing/steps';
import { CANCEL_CHECK_MS, CrossProcessCancel } from './cancels';
import { openTestStore, testActiveRun, testPipeline, type TestStore } from './parts.testing';
import { cancelledWhy, type ActiveRun } from './runState';

describe('cancelling across processes', () => {
  let store: TestStore;
  before(() => {
    store = openTestStore();
  });
  after(() => store.close());

  const pipeline = (name: string) => testPipeline('/ws', [testStep('true', { name: 'a' })], name);

  it('stops a run this process drives once another process asked for it, then stops watching', async () => {
    const active = testActiveRun(pipeline('watched'), 'watched-1');
    store.recorder.runs.insert(active.run);
    const driven = new Map<string, ActiveRun>([[active.run.pipelineRunId, active]]);
    const cancels = new CrossProcessCancel(store.recorder.runs, driven, async () => undefined);
    try {
      cancels.watch();
      await new Promise((r) => setTimeout(r, CANCEL_CHECK_MS + 50));
      assert.equal(active.controller.signal.aborted, false, 'nobody asked yet');
      assert.ok(store.recorder.runs.requestCancel('watched-1'));
      const deadline = Date.now() + 5 * CANCEL_CHECK_MS;
      while (!active.controller.signal.aborted && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.ok(active.controller.signal.aborted, 'the run was not stopped');
      assert.equal(
        cancelledWhy(active.controller.signal),
        'the pipeline run was cancelled from another Sextant process',
      );
    } finally {
      cancels.stop();
    }
  });

  it('answers a run that is not running as it is, and refuses an unknown one', async () => {
    const active = testActiveRun(pipeline('ended'), 'ended-1');
    active.run.status = 'done';
    store.recorder.runs.insert(active.run);
    const cancels = new CrossProcessCancel(store.recorder.runs, new Map(), async () => undefined);
    assert.equal((await cancels.cancelElsewhere('ended-1')).status, 'done');
    await assert.rejects(cancels.cancelElsewhere('no-such-run'), /no pipeline run 'no-such-run'/);
  });

  it('recovers a run whose process is gone instead of asking it', async () => {
    const active = testActiveRun(pipeline('orphaned'), 'orphaned-1');
    store.recorder.runs.insert(active.run);
    store.db
      .prepare('UPDATE pipeline_runs SET owner_pid = NULL WHERE pipeline_run_id = ?')
      .run('orphaned-1');
    let recovered = 0;
    const cancels = new CrossProcessCancel(store.recorder.runs, new Map(), async () => {
      recovered++;
      active.run.status = 'failed';
      store.recorder.runs.updateRun(active.run);
    });
    assert.equal((await cancels.cancelElsewhere('orphaned-1')).status, 'failed');
    assert.equal(recovered, 1);
    assert.equal(store.recorder.runs.cancelRequested('orphaned-1'), false, 'nobody was asked');
  });
});
