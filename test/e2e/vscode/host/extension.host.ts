/** Extension-host tests: activation, the language-client round trip, commands and tree contents. */
import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { SextantExtensionApi } from '../../../../extension-vscode/dist/extension';
import type { ExperimentsNode } from '../../../../extension-vscode/dist/experiments/model';

async function api(): Promise<SextantExtensionApi> {
  const extension = vscode.extensions.getExtension<SextantExtensionApi>('sextant.sextant');
  assert.ok(extension, 'the Sextant extension is installed');
  const exports = await extension.activate();
  await exports.ready;
  return exports;
}

/** Calls the MLflow REST API of the extension's tracking server, as the mlflow client would. */
async function mlflow<T>(trackingUri: string, method: string, body: unknown): Promise<T> {
  const response = await fetch(`${trackingUri}/api/2.0/mlflow/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 200, `${method}: ${await response.clone().text()}`);
  return (await response.json()) as T;
}

describe('Sextant extension', () => {
  it('activates and starts the language server with a tracking server', async () => {
    const { client } = await api();
    assert.match(client.info?.trackingUri ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('answers sextant/* requests and pushes notifications for runs logged over HTTP', async () => {
    const { client } = await api();
    const uri = client.info!.trackingUri;
    const { experiment_id } = await mlflow<{ experiment_id: string }>(uri, 'experiments/create', {
      name: 'host-test',
    });
    const changed = new Promise<string>((resolve) => {
      const sub = client.onRunsChanged(({ run }) => {
        if (run.experimentId === experiment_id) {
          sub.dispose();
          resolve(run.runId);
        }
      });
    });
    const { run } = await mlflow<{ run: { info: { run_id: string } } }>(uri, 'runs/create', {
      experiment_id,
      run_name: 'host-run',
      start_time: Date.now(),
    });
    await mlflow(uri, 'runs/log-metric', {
      run_id: run.info.run_id,
      key: 'loss',
      value: 0.5,
      step: 1,
      timestamp: Date.now(),
    });
    assert.equal(await changed, run.info.run_id);
    const found = await client.searchRuns({ experimentIds: [experiment_id] });
    assert.deepEqual(
      found.runs.map((r) => [r.runName, r.metrics['loss']]),
      [['host-run', 0.5]],
    );
  });

  it('shows experiments and their runs in the Experiments tree', async () => {
    const { experiments } = await api();
    experiments.refresh();
    const roots = await experiments.getChildren();
    const experiment = roots.find(
      (n): n is ExperimentsNode & { kind: 'experiment' } =>
        n.kind === 'experiment' && n.experiment.name === 'host-test',
    );
    assert.ok(experiment, `experiments shown: ${JSON.stringify(roots.map((n) => n.kind))}`);
    const runs = await experiments.getChildren(experiment);
    const item = experiments.getTreeItem(runs[0]!);
    assert.equal(item.label, 'host-run');
    assert.match(String(item.description), /^loss=0\.5 · /);
    assert.equal((item.iconPath as vscode.ThemeIcon).id, 'loading~spin');
  });

  it('contributes its commands', async () => {
    await api();
    const commands = await vscode.commands.getCommands(true);
    for (const id of [
      'sextant.refresh',
      'sextant.openRun',
      'sextant.compareRuns',
      'sextant.deleteRun',
      'sextant.restoreRun',
      'sextant.renameRun',
      'sextant.copyRunId',
      'sextant.setActiveExperiment',
      'sextant.copyTrackingUri',
    ]) {
      assert.ok(commands.includes(id), `${id} is registered`);
    }
  });

  it('opens the comparison of runs given to the compare command', async () => {
    const { experiments } = await api();
    const roots = await experiments.getChildren();
    const experiment = roots.find(
      (n) => n.kind === 'experiment' && n.experiment.name === 'host-test',
    );
    const runs = await experiments.getChildren(experiment);
    await vscode.commands.executeCommand('sextant.compareRuns', runs[0], [runs[0]]);
    const labels = (): string[] =>
      vscode.window.tabGroups.all.flatMap((g) => g.tabs.map((t) => t.label));
    for (let i = 0; i < 50 && !labels().includes('Compare 1 runs'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(labels().includes('Compare 1 runs'), `tabs: ${labels().join(', ')}`);
  });
});
