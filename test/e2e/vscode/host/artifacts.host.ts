/**
 * Extension-host tests of run artifacts (the Run Details tree, "Open Artifact", "Download
 * Artifact…") and of child runs nested under their parent in the Experiments tree.
 */
import { RunsGetRequest } from '@sextant/language-server/protocol';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ExperimentsNode } from '../../../../extension-vscode/dist/experiments/model';
import type { DetailNode } from '../../../../extension-vscode/dist/runDetails/model';
import { api, createExperiment, mlflow, tabOpened, until, type CreatedRun } from './sextant';

/** Uploads an artifact the way `mlflow.log_artifact` does through the artifact proxy. */
async function upload(trackingUri: string, artifactUri: string, file: string, body: Uint8Array) {
  const root = artifactUri.replace(/^mlflow-artifacts:\//, '');
  const response = await fetch(
    `${trackingUri}/api/2.0/mlflow-artifacts/artifacts/${root}/${file}`,
    { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body },
  );
  assert.equal(response.status, 200, `upload ${file}: ${await response.clone().text()}`);
}

/** Runs "Download Artifact…" on `path` of `runId` into the workspace as `name`; gives the bytes. */
async function download(runId: string, path: string, name: string): Promise<Buffer> {
  const folder = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
  const target = vscode.Uri.file(join(folder, name));
  await vscode.commands.executeCommand('sextant.downloadArtifact', { runId, path }, target);
  return fs.readFileSync(target.fsPath);
}

describe('Sextant run artifacts and child runs', () => {
  let runId = '';
  const binary = Uint8Array.from([0, 1, 2, 255, 0, 10, 13, 0]);

  before(async () => {
    const { client } = await api();
    const uri = client.info!.trackingUri;
    const experiment_id = await createExperiment(uri, 'artifacts-test');
    const { run } = await mlflow<CreatedRun>(uri, 'runs/create', {
      experiment_id,
      run_name: 'art-run',
      start_time: Date.now(),
    });
    runId = run.info.run_id;
    await upload(
      uri,
      run.info.artifact_uri,
      'notes.txt',
      new TextEncoder().encode('hello\nworld\n'),
    );
    await upload(uri, run.info.artifact_uri, 'data/blob.bin', binary);
    await upload(uri, run.info.artifact_uri, 'plot.png', Uint8Array.from([137, 80, 78, 71]));
  });

  it('lists artifacts in Run Details, folders on expand, files opening on click', async () => {
    const { details } = await api();
    details.show(runId);
    const sections = await details.getChildren();
    const artifacts = sections.find((s) => s.label === 'Artifacts');
    assert.ok(artifacts, `sections: ${sections.map((s) => s.label).join(', ')}`);
    assert.deepEqual(
      artifacts.children!.map((c) => c.label),
      ['data/', 'notes.txt', 'plot.png'],
    );
    const folder = artifacts.children![0]!;
    const folderItem = details.getTreeItem(folder);
    assert.equal(folderItem.collapsibleState, vscode.TreeItemCollapsibleState.Collapsed);
    assert.equal(folderItem.contextValue, 'artifact.dir');
    const inside: DetailNode[] = await details.getChildren(folder);
    assert.deepEqual(
      inside.map((c) => [c.label, c.description]),
      [['blob.bin', '8 B']],
    );
    const fileItem = details.getTreeItem(inside[0]!);
    assert.equal(fileItem.contextValue, 'artifact.file');
    assert.equal(fileItem.command?.command, 'sextant.openArtifact');
  });

  it('opens a text artifact read-only in an editor tab', async () => {
    await vscode.commands.executeCommand('sextant.openArtifact', { runId, path: 'notes.txt' });
    const editor = await until('the artifact editor', () =>
      vscode.window.activeTextEditor?.document.uri.scheme === 'sextant-artifact'
        ? vscode.window.activeTextEditor
        : undefined,
    );
    assert.equal(editor.document.getText(), 'hello\nworld\n');
    assert.equal(editor.document.uri.path, `/${runId}/notes.txt`);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('opens an image artifact in the run view', async () => {
    await vscode.commands.executeCommand('sextant.openArtifact', { runId, path: 'plot.png' });
    await tabOpened('Run art-run');
  });

  it('downloads an artifact byte for byte', async () => {
    assert.deepEqual([...(await download(runId, 'data/blob.bin', 'downloaded.bin'))], [...binary]);
  });

  it('downloads an artifact larger than one language-server read through the tracking server', async () => {
    const { client } = await api();
    const big = new Uint8Array(17 * 1024 * 1024).map((_, i) => (i * 7) % 251);
    const run = await client.request(RunsGetRequest, { runId: runId });
    await upload(client.info!.trackingUri, run.info.artifactUri, 'big.bin', big);
    const written = await download(runId, 'big.bin', 'big.bin');
    assert.equal(written.length, big.length);
    assert.ok(written.equals(Buffer.from(big)), 'the bytes are the same');
  });

  it('nests child runs under their parent in the Experiments tree', async () => {
    const { client, experiments } = await api();
    const uri = client.info!.trackingUri;
    const experiment_id = await createExperiment(uri, 'nested-test');
    const create = async (name: string, parent?: string): Promise<string> => {
      const { run } = await mlflow<CreatedRun>(uri, 'runs/create', {
        experiment_id,
        run_name: name,
        start_time: Date.now(),
        tags: parent ? [{ key: 'mlflow.parentRunId', value: parent }] : [],
      });
      return run.info.run_id;
    };
    const parent = await create('sweep');
    await create('trial-1', parent);
    await create('trial-2', parent);
    await create('solo');
    experiments.refresh();
    const experiment = (await experiments.getChildren()).find(
      (n) => n.kind === 'experiment' && n.experiment.name === 'nested-test',
    );
    assert.ok(experiment);
    const top = await experiments.getChildren(experiment);
    const label = (n: ExperimentsNode): string => String(experiments.getTreeItem(n).label);
    assert.deepEqual(top.map(label).sort(), ['solo', 'sweep']);
    const sweep = top.find((n) => label(n) === 'sweep')!;
    assert.equal(
      experiments.getTreeItem(sweep).collapsibleState,
      vscode.TreeItemCollapsibleState.Collapsed,
    );
    const children = await experiments.getChildren(sweep);
    assert.deepEqual(children.map(label).sort(), ['trial-1', 'trial-2']);
  });
});
