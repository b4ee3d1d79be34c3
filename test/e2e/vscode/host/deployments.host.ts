/**
 * Extension-host tests of deployments that need no model served: the commands are registered
 * (code lenses call `sextant.deployments.up`, `.sendTestRequest` and `.openDashboard`), the
 * Deployments tree lists what `sextant.yaml` declares, a dashboard opens for it, and a code
 * lens's file other than the one deployments run from is refused.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { api, assertCommands, tabOpened } from './sextant';

describe('Sextant deployments', () => {
  const folder = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
  const file = path.join(folder, 'sextant.yaml');

  before(() => {
    fs.writeFileSync(
      file,
      '# declared for the host test\ndeployments:\n  host-api:\n    model: models:/absent/1\n',
    );
  });
  after(() => fs.rmSync(file, { force: true }));

  it('contributes the deployment commands', async () => {
    await assertCommands([
      'sextant.deployments.up',
      'sextant.deployments.sendTestRequest',
      'sextant.deployments.openDashboard',
      'sextant.deployments.openMonitoring',
      'sextant.deployments.deployModel',
      'sextant.deployments.stop',
      'sextant.deployments.scale',
      'sextant.deployments.setTraffic',
      'sextant.deployments.promote',
      'sextant.deployments.rollback',
      'sextant.deployments.openLogs',
      'sextant.deployments.copyUrl',
      'sextant.deployments.copyCurl',
      'sextant.deployments.copyPython',
    ]);
  });

  it('lists a declared deployment, and opens its dashboard from a code lens argument', async () => {
    const { deployments } = await api();
    deployments.tree.refresh();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const roots = await deployments.tree.getChildren();
    const node = roots.find((n) => n.kind === 'deployment' && n.deployment.name === 'host-api');
    assert.ok(node, `listed: ${JSON.stringify(roots)}`);
    const item = deployments.tree.getTreeItem(node);
    assert.equal(item.description, 'declared in sextant.yaml · not deployed');
    assert.equal(item.contextValue, 'deployment.declared');
    assert.equal(deployments.tree.declaringFile, file);
    await vscode.commands.executeCommand('sextant.deployments.openDashboard', { name: 'host-api' });
    await tabOpened('Deployment host-api');
    assert.ok(deployments.panels.presenterOf('host-api'));
    await vscode.commands.executeCommand('sextant.deployments.openMonitoring', {
      name: 'host-api',
    });
    await tabOpened('Monitoring host-api');
    assert.ok(deployments.monitoring.presenterOf('host-api'));
    await deployments.alerts.watcher.refresh();
    assert.equal(deployments.alerts.watcher.status.count, 0, 'no alert fires: no status item');
  });

  it('refuses to deploy from a file the deployments do not run from', async () => {
    const log = path.join(folder, '.sextant', 'deployments', 'host-api.log');
    await vscode.commands.executeCommand('sextant.deployments.up', {
      uri: vscode.Uri.file(path.join(folder, 'other.sextant.yaml')).toString(),
      name: 'host-api',
    });
    assert.ok(!fs.existsSync(log), 'a deployment process was started for another file');
    // From its own file it is started (and fails: its model is not registered).
    await vscode.commands.executeCommand('sextant.deployments.up', {
      uri: vscode.Uri.file(file).toString(),
      name: 'host-api',
    });
    assert.ok(fs.existsSync(log), 'no deployment process was started');
    assert.match(fs.readFileSync(log, 'utf8'), /absent/);
  });
});
