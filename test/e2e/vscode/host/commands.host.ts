/**
 * Extension-host tests of the run commands of the issue list that need no dialog: restore a
 * deleted run, copy run ids and the tracking URI, and set the active experiment. (Delete and
 * rename ask in a modal dialog or an input box first; the UI test covers what a person clicks.)
 */
import { RunsDeleteRequest, RunsGetRequest } from '@sextant/language-server/protocol';
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ExperimentsNode } from '../../../../extension-vscode/dist/experiments/model';
import { api, createExperiment, mlflow } from './sextant';

describe('Sextant run commands', () => {
  let experiment: ExperimentsNode & { kind: 'experiment' };
  let runNode: ExperimentsNode & { kind: 'run' };

  before(async () => {
    const { client, experiments } = await api();
    const uri = client.info!.trackingUri;
    const experiment_id = await createExperiment(uri, 'commands-test');
    await mlflow(uri, 'runs/create', {
      experiment_id,
      run_name: 'cmd-run',
      start_time: Date.now(),
    });
    experiments.refresh();
    experiment = (await experiments.getChildren()).find(
      (n): n is ExperimentsNode & { kind: 'experiment' } =>
        n.kind === 'experiment' && n.experiment.name === 'commands-test',
    )!;
    runNode = (await experiments.getChildren(experiment))[0] as ExperimentsNode & { kind: 'run' };
    assert.equal(runNode.run.runName, 'cmd-run');
  });

  it('restores a deleted run', async () => {
    const { client } = await api();
    await client.request(RunsDeleteRequest, { runId: runNode.run.runId });
    const deleted = { kind: 'run' as const, run: { ...runNode.run, lifecycleStage: 'deleted' } };
    await vscode.commands.executeCommand('sextant.restoreRun', deleted);
    const run = await client.request(RunsGetRequest, { runId: runNode.run.runId });
    assert.equal(run.info.lifecycleStage, 'active');
  });

  it('copies the run id and the tracking URI', async () => {
    const { client } = await api();
    await vscode.commands.executeCommand('sextant.copyRunId', runNode);
    assert.equal(await vscode.env.clipboard.readText(), runNode.run.runId);
    await vscode.commands.executeCommand('sextant.copyTrackingUri');
    assert.equal(await vscode.env.clipboard.readText(), client.info!.trackingUri);
  });

  it('sets the active experiment', async () => {
    const { experiments } = await api();
    await vscode.commands.executeCommand('sextant.setActiveExperiment', experiment);
    assert.equal(experiments.activeExperimentId, experiment.experiment.experimentId);
    const item = experiments.getTreeItem(experiment);
    assert.equal(item.description, 'active');
  });
});
