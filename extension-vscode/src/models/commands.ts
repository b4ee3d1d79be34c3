/** The commands of the Models view, of runs and model artifacts (Register Model…), and the palette. */
import {
  EvaluationCancelRequest,
  EvaluationFinishedNotification,
  EvaluationProgressNotification,
  EvaluationStartRequest,
  RegistryDeleteAliasRequest,
  RegistryDeleteModelRequest,
  RegistryDeleteVersionRequest,
  RegistryRegisterRequest,
  RegistryRunModelsRequest,
  RegistrySetAliasRequest,
  RegistrySetStageRequest,
  RegistrySnippetRequest,
  type EvaluationStatus,
  type ModelVersionSummary,
  type RunModelArtifact,
  type VersionRef,
} from '@sextant/language-server/protocol';
import * as vscode from 'vscode';
import { errorMessage, type SextantApi } from '../api';
import { isRunNode } from '../experiments/model';
import type { DetailNode } from '../runDetails/model';
import {
  aliasProblem,
  csvColumns,
  evaluationPercent,
  evalSetName,
  isModelNode,
  modelNameProblem,
  refOf,
  suggestModelName,
  suggestTarget,
  targetVersions,
  type ModelsNode,
} from './model';
import type { ModelPanels } from './panel';
import type { ModelsTree } from './tree';

/** What the model commands act on. */
export interface ModelCommandContext {
  api: SextantApi;
  tree: ModelsTree;
  view: vscode.TreeView<ModelsNode>;
  panels: ModelPanels;
  openRun(runId: string): void;
}

/** A run (and maybe one of its artifact folders) a Register command was invoked on. */
function registerTarget(
  node: unknown,
): { runId: string; runName: string; path?: string; source?: string } | undefined {
  if (isRunNode(node)) return { runId: node.run.runId, runName: node.run.runName };
  // The run view's Register button names the run and the model's source.
  const fromView = node as { runId?: unknown; source?: unknown } | undefined;
  if (typeof fromView?.runId === 'string' && typeof fromView.source === 'string') {
    return { runId: fromView.runId, runName: '', source: fromView.source };
  }
  const artifact = (node as DetailNode | undefined)?.artifact;
  if (artifact?.isDir) return { runId: artifact.runId, runName: '', path: artifact.path };
  return undefined;
}

/** Registers the commands of models; each shows its error instead of throwing. */
export function registerModelCommands(ctx: ModelCommandContext): vscode.Disposable[] {
  const { api, tree, view, panels } = ctx;
  const register = (id: string, fn: (...args: unknown[]) => unknown): vscode.Disposable =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        await fn(...args);
      } catch (error) {
        void vscode.window.showErrorMessage(`Sextant: ${errorMessage(error)}`);
      }
    });
  const versionsOf = (node: unknown, selected: unknown): ModelVersionSummary[] => {
    const versions = targetVersions(node, selected, view.selection);
    if (versions.length === 0) {
      void vscode.window.showWarningMessage(
        'Sextant: select a model version in the Models view first.',
      );
    }
    return versions;
  };
  const oneVersion = (node: unknown): ModelVersionSummary | undefined =>
    versionsOf(node, undefined)[0];

  const registerModel = async (node: unknown): Promise<void> => {
    let target = registerTarget(node);
    if (!target) {
      const runId = await vscode.window.showInputBox({
        title: 'Register Model',
        prompt:
          'The run that logged the model (select the run in Experiments and right-click it next time)',
        placeHolder: 'run id',
      });
      if (!runId) return;
      target = { runId: runId.trim(), runName: '' };
    }
    const { models } = await api.request(RegistryRunModelsRequest, { runId: target.runId });
    let candidates: RunModelArtifact[] = models;
    if (target.source !== undefined) {
      const source = target.source;
      candidates = models.filter((m) => m.source === source);
    }
    if (target.path !== undefined) {
      const source = `runs:/${target.runId}/${target.path}`;
      candidates = models.filter((m) => m.source === source);
      if (candidates.length === 0) candidates = [{ source, name: target.path, flavors: [] }];
    }
    if (candidates.length === 0) {
      void vscode.window.showWarningMessage(
        `Sextant: run ${target.runName || target.runId} logged no model (no folder with an MLmodel file, no logged model). Log one with mlflow.<flavor>.log_model first.`,
      );
      return;
    }
    const artifact =
      candidates.length === 1
        ? candidates[0]!
        : (
            await vscode.window.showQuickPick(
              candidates.map((m) => ({
                label: m.name,
                description: m.flavors.join(', '),
                detail: m.source,
                m,
              })),
              { title: 'Register Model: which model of the run?' },
            )
          )?.m;
    if (!artifact) return;
    const name = await vscode.window.showInputBox({
      title: `Register ${artifact.name} as`,
      prompt: 'Registered model name: a new version of it is created (the model too, when new)',
      value: suggestModelName(target.runName, artifact),
      validateInput: (value) => modelNameProblem(value),
    });
    if (!name) return;
    const version = await api.request(RegistryRegisterRequest, {
      name: name.trim(),
      source: artifact.source,
    });
    const choice = await vscode.window.showInformationMessage(
      `Sextant: registered ${version.name} version ${version.version}${version.deployable ? '' : ` (not deployable: ${version.reasons.join(' ')})`}.`,
      'Open Version Page',
      'Set Alias…',
    );
    if (choice === 'Open Version Page') panels.showVersion(refOf(version));
    if (choice === 'Set Alias…') await setAlias(version);
  };

  const setAlias = async (version: ModelVersionSummary): Promise<void> => {
    const alias = await vscode.window.showInputBox({
      title: `Set Alias on ${version.name} version ${version.version}`,
      prompt: 'An alias held by another version moves to this one',
      value: version.aliases.includes('champion') ? 'challenger' : 'champion',
      validateInput: (value) => aliasProblem(value),
    });
    if (!alias) return;
    const before = tree.listed.versions.get(version.name)?.find((v) => v.aliases.includes(alias));
    const after = await api.request(RegistrySetAliasRequest, {
      name: version.name,
      alias,
      version: version.version,
    });
    const moved =
      before && before.version !== version.version ? ` (moved from version ${before.version})` : '';
    vscode.window.setStatusBarMessage(
      `Sextant: @${alias} → ${after.model.name} version ${version.version}${moved}`,
      5000,
    );
  };

  const evaluate = async (node: unknown, selected: unknown): Promise<void> => {
    let name: string;
    let preselected: string[];
    if (isModelNode(node)) {
      name = node.model.name;
      preselected = node.model.latestVersion ? [node.model.latestVersion] : [];
    } else {
      const targets = versionsOf(node, selected);
      if (targets.length === 0) return;
      name = targets[0]!.name;
      preselected = targets.filter((v) => v.name === name).map((v) => v.version);
    }
    const all = await tree.versions(name);
    const picked =
      all.length === 1
        ? all
        : (
            await vscode.window.showQuickPick(
              all.map((v) => ({
                label: `Version ${v.version}`,
                description: v.aliases.map((a) => `@${a}`).join(' '),
                picked: preselected.includes(v.version),
                v,
              })),
              { title: `Evaluate ${name}: which versions?`, canPickMany: true },
            )
          )?.map((p) => p.v);
    if (!picked || picked.length === 0) return;
    const files = await vscode.workspace.findFiles(
      '**/*.{csv,parquet}',
      '**/{node_modules,.sextant,.venv}/**',
      200,
    );
    const browse = { label: '$(folder-opened) Browse…', file: undefined as vscode.Uri | undefined };
    const choice = await vscode.window.showQuickPick(
      [
        ...files
          .sort((a, b) => a.fsPath.localeCompare(b.fsPath))
          .map((file) => ({
            label: vscode.workspace.asRelativePath(file),
            file: file as vscode.Uri | undefined,
          })),
        browse,
      ],
      { title: `Evaluate ${name}: the eval set (CSV or Parquet)` },
    );
    if (!choice) return;
    const file =
      choice.file ??
      (
        await vscode.window.showOpenDialog({
          canSelectMany: false,
          filters: { 'Eval sets': ['csv', 'parquet'] },
          title: 'Eval set',
        })
      )?.[0];
    if (!file) return;
    let columns: string[] = [];
    if (file.fsPath.toLowerCase().endsWith('.csv')) {
      const head = new TextDecoder().decode(
        (await vscode.workspace.fs.readFile(file)).subarray(0, 65536),
      );
      columns = csvColumns(head.split('\n')[0] ?? '');
    }
    const suggested = suggestTarget(columns);
    const target =
      columns.length > 0
        ? await vscode.window.showQuickPick(
            [...(suggested ? [suggested] : []), ...columns.filter((c) => c !== suggested)],
            { title: 'The column that holds the true values' },
          )
        : await vscode.window.showInputBox({ title: 'The column that holds the true values' });
    if (!target) return;
    const task = (
      await vscode.window.showQuickPick(
        [
          { label: 'classifier', description: 'predicts classes' },
          { label: 'regressor', description: 'predicts a number' },
        ],
        { title: 'What the model predicts' },
      )
    )?.label as 'classifier' | 'regressor' | undefined;
    if (!task) return;
    const refs: VersionRef[] = picked.map(refOf);
    await runEvaluation(refs, file.fsPath, target, task);
  };

  const runEvaluation = async (
    refs: VersionRef[],
    data: string,
    target: string,
    task: 'classifier' | 'regressor',
  ): Promise<void> => {
    const status = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Evaluating ${refs[0]!.name} on ${evalSetName(data)}`,
        cancellable: true,
      },
      async (progress, token) => {
        const { evaluationId } = await api.request(EvaluationStartRequest, {
          versions: refs,
          data,
          target,
          task,
        });
        let reported = 0;
        return new Promise<EvaluationStatus>((resolve) => {
          const subscriptions = [
            api.onNotification(EvaluationProgressNotification, (p) => {
              if (p.evaluationId !== evaluationId) return;
              const done = evaluationPercent(p.index, p.total, p.progress.fraction);
              progress.report({
                message: `v${p.version} (${p.index + 1}/${p.total}): ${p.progress.message}`,
                increment: Math.max(0, done - reported),
              });
              reported = Math.max(reported, done);
            }),
            api.onNotification(EvaluationFinishedNotification, (s) => {
              if (s.evaluationId !== evaluationId) return;
              for (const sub of subscriptions) sub.dispose();
              resolve(s);
            }),
            token.onCancellationRequested(() => {
              progress.report({ message: 'cancelling…' });
              void api.request(EvaluationCancelRequest, { evaluationId }).catch(() => undefined);
            }),
          ];
        });
      },
    );
    tree.refresh();
    if (status.state === 'failed') {
      void vscode.window.showErrorMessage(
        `Sextant: the evaluation failed: ${status.error ?? 'unknown error'}`,
      );
      return;
    }
    if (status.state === 'cancelled') {
      vscode.window.setStatusBarMessage('Sextant: evaluation cancelled', 5000);
      return;
    }
    const actions =
      refs.length >= 2 ? ['Compare Versions', 'Open Version Page'] : ['Open Version Page'];
    const choice = await vscode.window.showInformationMessage(
      `Sextant: evaluated ${refs.length} version${refs.length === 1 ? '' : 's'} of ${refs[0]!.name} on ${evalSetName(data)}.`,
      ...actions,
    );
    if (choice === 'Compare Versions') await panels.showCompare(refs);
    if (choice === 'Open Version Page') panels.showVersion(refs.at(-1)!);
  };

  return [
    register('sextant.refreshModels', () => tree.refresh()),
    register('sextant.loadMoreModels', () => tree.loadMore()),
    register('sextant.filterModels', async () => {
      const text = await vscode.window.showInputBox({
        title: 'Filter Models',
        prompt: 'Show the models whose name holds this text (any case); empty shows all',
        value: tree.search,
      });
      if (text === undefined) return;
      tree.search = text;
      view.description = tree.search ? `name holds '${tree.search}'` : undefined;
    }),
    register('sextant.registerModel', registerModel),
    register('sextant.openModelVersion', (node: unknown) => {
      const version = oneVersion(node);
      if (version) panels.showVersion(refOf(version));
    }),
    register('sextant.setModelAlias', async (node: unknown) => {
      const version = oneVersion(node);
      if (version) await setAlias(version);
    }),
    register('sextant.deleteModelAlias', async (node: unknown) => {
      const version = oneVersion(node);
      if (!version) return;
      if (version.aliases.length === 0) {
        void vscode.window.showInformationMessage(
          `Sextant: version ${version.version} has no alias.`,
        );
        return;
      }
      const alias =
        version.aliases.length === 1
          ? version.aliases[0]
          : await vscode.window.showQuickPick(version.aliases, { title: 'Delete which alias?' });
      if (!alias) return;
      await api.request(RegistryDeleteAliasRequest, { name: version.name, alias });
    }),
    register('sextant.archiveModelVersion', async (node: unknown, selected: unknown) => {
      for (const v of versionsOf(node, selected)) {
        await api.request(RegistrySetStageRequest, {
          name: v.name,
          version: v.version,
          stage: 'Archived',
        });
      }
    }),
    register('sextant.restoreModelVersion', async (node: unknown, selected: unknown) => {
      for (const v of versionsOf(node, selected)) {
        await api.request(RegistrySetStageRequest, {
          name: v.name,
          version: v.version,
          stage: 'None',
        });
      }
    }),
    register('sextant.deleteModelVersion', async (node: unknown, selected: unknown) => {
      const versions = versionsOf(node, selected);
      if (versions.length === 0) return;
      const what =
        versions.length === 1
          ? `${versions[0]!.name} version ${versions[0]!.version}`
          : `${versions.length} model versions`;
      const confirm = await vscode.window.showWarningMessage(
        `Delete ${what}?`,
        { modal: true, detail: 'Aliases pointing at it are deleted too. This cannot be undone.' },
        'Delete',
      );
      if (confirm !== 'Delete') return;
      for (const v of versions) await api.request(RegistryDeleteVersionRequest, refOf(v));
    }),
    register('sextant.deleteModel', async (node: unknown) => {
      if (!isModelNode(node)) {
        void vscode.window.showWarningMessage(
          'Sextant: right-click a registered model in the Models view.',
        );
        return;
      }
      const { name } = node.model;
      const confirm = await vscode.window.showWarningMessage(
        `Delete the registered model ${name}?`,
        { modal: true, detail: 'Every version and alias of it is deleted. This cannot be undone.' },
        'Delete',
      );
      if (confirm !== 'Delete') return;
      await api.request(RegistryDeleteModelRequest, { name });
    }),
    register('sextant.evaluateModel', evaluate),
    register('sextant.compareModelVersions', async (node: unknown, selected: unknown) => {
      const versions = versionsOf(node, selected);
      if (versions.length === 0) return;
      if (versions.length < 2 || versions.length > 10) {
        void vscode.window.showWarningMessage(
          `Sextant: select 2 to 10 model versions to compare (Ctrl/Cmd-click in the Models view); ${versions.length} selected.`,
        );
        return;
      }
      await panels.showCompare(versions.map(refOf));
    }),
    register('sextant.copyModelLoadSnippet', async (node: unknown) => {
      let params: { name: string; version?: string; alias?: string };
      if (isModelNode(node)) {
        const alias = node.model.aliases[0]?.alias;
        params = alias
          ? { name: node.model.name, alias }
          : { name: node.model.name, version: node.model.latestVersion ?? '1' };
      } else {
        const version = oneVersion(node);
        if (!version) return;
        const alias = version.aliases[0];
        params = alias
          ? { name: version.name, alias }
          : { name: version.name, version: version.version };
      }
      const snippet = await api.request(RegistrySnippetRequest, params);
      await vscode.env.clipboard.writeText(snippet.code);
      vscode.window.setStatusBarMessage(
        `Sextant: copied mlflow.pyfunc.load_model("${snippet.uri}")`,
        5000,
      );
    }),
    register('sextant.openModelSourceRun', (node: unknown) => {
      const version = oneVersion(node);
      if (!version) return;
      if (!version.runId) {
        void vscode.window.showInformationMessage(
          `Sextant: version ${version.version} records no source run.`,
        );
        return;
      }
      ctx.openRun(version.runId);
    }),
  ];
}
