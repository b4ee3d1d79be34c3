import {
  ILayoutRestorer,
  type JupyterFrontEnd,
  type JupyterFrontEndPlugin,
} from '@jupyterlab/application';
import {
  Clipboard,
  Dialog,
  ICommandPalette,
  IThemeManager,
  InputDialog,
  MainAreaWidget,
  Notification,
  showDialog,
  showErrorMessage,
  WidgetTracker,
} from '@jupyterlab/apputils';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import {
  EvaluationCancelRequest,
  EvaluationFinishedNotification,
  EvaluationProgressNotification,
  EvaluationStartRequest,
  RegistryDeleteAliasRequest,
  RegistryDeleteModelRequest,
  RegistryDeleteVersionRequest,
  RegistryModelRequest,
  RegistryRegisterRequest,
  RegistryRunModelsRequest,
  RegistrySetAliasRequest,
  RegistrySetStageRequest,
  RegistrySnippetRequest,
  type VersionRef,
} from '@sextant/language-server/protocol';
import { errorMessage } from '@sextant/media/client';
import { CommandIds, ISextantConnection, ISextantSidebar } from '../tokens.js';
import { showInMain } from '../views/mainArea.js';
import { ModelComparePanel } from './comparePanel.js';
import { EvaluateDialogBody } from './evaluateDialog.js';
import {
  aliasProblem,
  comparison,
  evaluationRequest,
  modelNameProblem,
  overallFraction,
  progressText,
  type EvaluateForm,
} from './model.js';
import { ModelsSection } from './section.js';
import { ModelVersionPanel } from './versionPanel.js';

const VERSION_ROW = '.jp-SextantModels-version';
const MODEL_ROW = '.jp-SextantModels-modelRow';
const RUN_ROW = '.jp-SextantTree-run[data-run-id]';

function refOf(args: ReadonlyPartialJSONObject): VersionRef | undefined {
  const name = args['name'];
  const version = args['version'];
  return typeof name === 'string' && typeof version === 'string' ? { name, version } : undefined;
}

/**
 * The Models section of the Sextant sidebar, its commands (context menu and palette) and the
 * model version and model comparison panels (the shared media views) in the main area.
 */
export const modelsPlugin: JupyterFrontEndPlugin<void> = {
  id: '@sextant/jupyterlab:models',
  description:
    'Sextant Models: registered models and versions in the sidebar; register, alias, archive, delete, evaluate, compare.',
  autoStart: true,
  requires: [ISextantConnection, ISextantSidebar],
  optional: [ICommandPalette, ILayoutRestorer, IThemeManager],
  activate: (
    app: JupyterFrontEnd,
    connection: ISextantConnection,
    sidebar: ISextantSidebar,
    palette: ICommandPalette | null,
    restorer: ILayoutRestorer | null,
    themes: IThemeManager | null,
  ): void => {
    const versionPages = new WidgetTracker<MainAreaWidget<ModelVersionPanel>>({
      namespace: 'sextant-model-version',
    });
    const comparisons = new WidgetTracker<MainAreaWidget<ModelComparePanel>>({
      namespace: 'sextant-model-compare',
    });
    const fail = (what: string, error: unknown): void =>
      void showErrorMessage('Sextant', `${what}: ${errorMessage(error)}`);
    const copy = (text: string): void => {
      Clipboard.copyToSystem(text);
      Notification.info('Copied to the clipboard.', { autoClose: 3000 });
    };
    const panelHost = {
      openRun: (runId: string) => void app.commands.execute(CommandIds.openRun, { runId }),
      openVersion: (ref: VersionRef) =>
        void app.commands.execute(CommandIds.openModelVersion, { ...ref }),
      copy,
    };
    const section = new ModelsSection(connection, { openVersion: panelHost.openVersion });
    sidebar.addSection(section.node);

    /** The version a command acts on: its args, the row right-clicked, else the one ticked. */
    const targetVersion = (args: ReadonlyPartialJSONObject): VersionRef | undefined => {
      const given = refOf(args);
      if (given) return given;
      const row = app.contextMenuHitTest((node) => node.matches(VERSION_ROW));
      if (row?.dataset['model'] && row.dataset['version']) {
        return { name: row.dataset['model'], version: row.dataset['version'] };
      }
      const ticked = section.selection;
      return ticked.length === 1 ? ticked[0] : undefined;
    };
    const requireVersion = (args: ReadonlyPartialJSONObject): VersionRef => {
      const ref = targetVersion(args);
      if (!ref) throw new Error('Right-click a version in the Models section, or tick one.');
      return ref;
    };
    const targetModel = (args: ReadonlyPartialJSONObject): string | undefined => {
      if (typeof args['name'] === 'string') return args['name'];
      const row = app.contextMenuHitTest((node) => node.matches(`${MODEL_ROW}, ${VERSION_ROW}`));
      const item = row?.closest<HTMLElement>('[data-model]');
      return item?.dataset['model'] ?? targetVersion(args)?.name;
    };
    /** Runs `action`, showing its error in a dialog instead of throwing. */
    const guarded =
      (what: string, action: (args: ReadonlyPartialJSONObject) => Promise<unknown>) =>
      async (args: ReadonlyPartialJSONObject): Promise<unknown> => {
        try {
          return await action(args);
        } catch (error) {
          fail(what, error);
          return undefined;
        }
      };

    const showVersion = (ref: VersionRef): MainAreaWidget<ModelVersionPanel> =>
      showInMain(
        app,
        versionPages,
        (panel) => panel.ref.name === ref.name && panel.ref.version === ref.version,
        () => new ModelVersionPanel(connection, ref, panelHost),
      );
    const showComparison = (versions: VersionRef[]): MainAreaWidget<ModelComparePanel> =>
      showInMain(
        app,
        comparisons,
        (panel) => JSON.stringify(panel.versions) === JSON.stringify(versions),
        () => new ModelComparePanel(connection, versions, panelHost),
      );

    app.commands.addCommand(CommandIds.refreshModels, {
      label: 'Refresh Sextant Models',
      execute: () => section.refresh(),
    });

    app.commands.addCommand(CommandIds.openModelVersion, {
      label: 'Open Version Page',
      caption: "Open the model version's page: signature, requirements, lineage, evaluations",
      describedBy: {
        args: {
          type: 'object',
          properties: { name: { type: 'string' }, version: { type: 'string' } },
        },
      },
      execute: (args) => showVersion(requireVersion(args)),
    });

    app.commands.addCommand(CommandIds.compareModelVersions, {
      label: 'Compare Versions',
      caption: 'Compare the ticked versions (2 to 10) side by side',
      describedBy: {
        args: {
          type: 'object',
          properties: {
            versions: {
              type: 'array',
              items: {
                type: 'object',
                properties: { name: { type: 'string' }, version: { type: 'string' } },
              },
            },
          },
        },
      },
      isEnabled: (args) => Array.isArray(args['versions']) || section.selection.length >= 2,
      execute: (args) => {
        const given = Array.isArray(args['versions'])
          ? (args['versions'] as unknown[]).map((v) => refOf(v as ReadonlyPartialJSONObject))
          : section.selection;
        if (given.some((v) => v === undefined))
          throw new Error('Each version needs a name and a version.');
        const versions = comparison(given as VersionRef[]);
        if (typeof versions === 'string') {
          void showErrorMessage('Sextant', versions);
          return undefined;
        }
        return showComparison(versions);
      },
    });
    section.selectionChanged.connect(() =>
      app.commands.notifyCommandChanged(CommandIds.compareModelVersions),
    );

    app.commands.addCommand(CommandIds.registerModel, {
      label: 'Register Model…',
      caption: "Register the run's model as a new version of a registered model",
      execute: guarded('Cannot register the model', async (args) => {
        const row = app.contextMenuHitTest((node) => node.matches(RUN_ROW));
        const runId =
          (typeof args['runId'] === 'string' ? args['runId'] : undefined) ??
          row?.dataset['runId'] ??
          (sidebar.selection.length === 1 ? sidebar.selection[0] : undefined);
        if (!runId) throw new Error('Right-click a run in Experiments, or tick one.');
        const { models } = await connection.request(RegistryRunModelsRequest, { runId });
        if (models.length === 0) {
          throw new Error(`Run ${runId} logged no model (no MLmodel among its artifacts).`);
        }
        let source = typeof args['source'] === 'string' ? args['source'] : models[0]!.source;
        if (models.length > 1 && typeof args['source'] !== 'string') {
          const choice = await InputDialog.getItem({
            title: 'Register which model?',
            items: models.map((m) => `${m.name} (${m.source})`),
          });
          if (!choice.button.accept || choice.value === null) return undefined;
          source = models.find((m) => `${m.name} (${m.source})` === choice.value)!.source;
        }
        let name = typeof args['modelName'] === 'string' ? args['modelName'] : undefined;
        if (name === undefined) {
          const known = section.modelNames;
          const asked = await InputDialog.getItem({
            title: 'Register as a version of',
            label: 'Registered model (a new name creates it)',
            items: known,
            editable: true,
            placeholder: 'churn-classifier',
          });
          if (!asked.button.accept || !asked.value) return undefined;
          name = asked.value.trim();
        }
        const problem = modelNameProblem(name);
        if (problem) throw new Error(problem);
        const version = await connection.request(RegistryRegisterRequest, { name, source });
        Notification.success(`Registered ${version.name} v${version.version}.`, {
          autoClose: 5000,
          actions: [
            {
              label: 'Open',
              callback: () =>
                panelHost.openVersion({ name: version.name, version: version.version }),
            },
          ],
        });
        await section.expand(version.name);
        return version;
      }),
    });

    app.commands.addCommand(CommandIds.setModelAlias, {
      label: 'Set or Move Alias…',
      caption: 'Point an alias (champion, challenger…) at this version, moving it off another',
      execute: guarded('Cannot set the alias', async (args) => {
        const ref = requireVersion(args);
        let alias = typeof args['alias'] === 'string' ? args['alias'] : undefined;
        if (alias === undefined) {
          const { model } = await connection.request(RegistryModelRequest, { name: ref.name });
          const asked = await InputDialog.getItem({
            title: `Alias for ${ref.name} v${ref.version}`,
            label: 'Alias (an existing one moves to this version)',
            items: model.aliases.map((a) => a.alias),
            editable: true,
            placeholder: 'champion',
          });
          if (!asked.button.accept || !asked.value) return undefined;
          alias = asked.value.trim();
        }
        const problem = aliasProblem(alias);
        if (problem) throw new Error(problem);
        return connection.request(RegistrySetAliasRequest, { ...ref, alias });
      }),
    });

    app.commands.addCommand(CommandIds.archiveModelVersion, {
      label: 'Archive Version',
      caption: 'Move the version to the Archived stage',
      isVisible: () => {
        const ref = targetVersion({});
        return ref === undefined || section.version(ref)?.stage !== 'Archived';
      },
      execute: guarded('Cannot archive the version', (args) =>
        connection.request(RegistrySetStageRequest, { ...requireVersion(args), stage: 'Archived' }),
      ),
    });

    app.commands.addCommand(CommandIds.deleteModelAlias, {
      label: 'Delete Alias…',
      caption: 'Remove one of the aliases pointing at this version',
      isVisible: () => {
        const ref = targetVersion({});
        return ref === undefined || (section.version(ref)?.aliases.length ?? 1) > 0;
      },
      execute: guarded('Cannot delete the alias', async (args) => {
        const ref = requireVersion(args);
        let alias = typeof args['alias'] === 'string' ? args['alias'] : undefined;
        if (alias === undefined) {
          const { versions } = await connection.request(RegistryModelRequest, { name: ref.name });
          const aliases = versions.find((v) => v.version === ref.version)?.aliases ?? [];
          if (aliases.length === 0) throw new Error(`${ref.name} v${ref.version} has no alias.`);
          const asked = await InputDialog.getItem({
            title: `Delete an alias of ${ref.name} v${ref.version}`,
            items: aliases,
          });
          if (!asked.button.accept || !asked.value) return undefined;
          alias = asked.value;
        }
        return connection.request(RegistryDeleteAliasRequest, { name: ref.name, alias });
      }),
    });

    app.commands.addCommand(CommandIds.restoreModelVersion, {
      label: 'Restore Archived Version',
      caption: 'Move an archived version back to no stage',
      isVisible: () => {
        const ref = targetVersion({});
        return ref === undefined || section.version(ref)?.stage === 'Archived';
      },
      execute: guarded('Cannot restore the version', (args) =>
        connection.request(RegistrySetStageRequest, { ...requireVersion(args), stage: 'None' }),
      ),
    });

    app.commands.addCommand(CommandIds.deleteModelVersion, {
      label: 'Delete Version…',
      execute: guarded('Cannot delete the version', async (args) => {
        const ref = requireVersion(args);
        const answer = await showDialog({
          title: `Delete ${ref.name} v${ref.version}?`,
          body: 'The version, its aliases and its stage are removed from the registry. The run and its artifacts stay.',
          buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Delete' })],
        });
        if (!answer.button.accept) return undefined;
        return connection.request(RegistryDeleteVersionRequest, ref);
      }),
    });

    app.commands.addCommand(CommandIds.deleteModel, {
      label: 'Delete Registered Model…',
      execute: guarded('Cannot delete the model', async (args) => {
        const name = targetModel(args);
        if (!name) throw new Error('Right-click a model in the Models section.');
        const answer = await showDialog({
          title: `Delete the registered model ${name}?`,
          body: 'The model and every version of it are removed from the registry. Runs and artifacts stay.',
          buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Delete model' })],
        });
        if (!answer.button.accept) return undefined;
        return connection.request(RegistryDeleteModelRequest, { name });
      }),
    });

    app.commands.addCommand(CommandIds.copyModelLoadSnippet, {
      label: 'Copy Load Snippet',
      caption:
        'Copy mlflow.pyfunc.load_model("models:/…") for this version (by alias when it has one)',
      execute: guarded('Cannot make the snippet', async (args) => {
        const ref = requireVersion(args);
        const alias =
          typeof args['alias'] === 'string' ? args['alias'] : section.version(ref)?.aliases[0];
        const snippet = await connection.request(
          RegistrySnippetRequest,
          alias ? { name: ref.name, alias } : ref,
        );
        copy(snippet.code);
        return snippet;
      }),
    });

    app.commands.addCommand(CommandIds.openModelSourceRun, {
      label: 'Open Source Run',
      execute: guarded('Cannot open the source run', async (args) => {
        const ref = requireVersion(args);
        const runId =
          section.version(ref)?.runId ||
          (await connection.request(RegistryModelRequest, { name: ref.name })).versions.find(
            (v) => v.version === ref.version,
          )?.runId;
        if (!runId) throw new Error(`${ref.name} v${ref.version} has no source run.`);
        return app.commands.execute(CommandIds.openRun, { runId });
      }),
    });

    let lastForm: Partial<EvaluateForm> = {};
    app.commands.addCommand(CommandIds.evaluateModelVersions, {
      label: 'Evaluate…',
      caption: 'Evaluate versions on an eval set (a tracked evaluation run each)',
      execute: guarded('Cannot evaluate', async (args) => {
        const name = targetModel(args);
        if (!name) throw new Error('Right-click a model or a version in the Models section.');
        const { versions } = await connection.request(RegistryModelRequest, { name });
        const ticked = section.selection.filter((r) => r.name === name);
        const clicked = targetVersion(args);
        const chosen = ticked.length ? ticked : clicked ? [clicked] : versions.slice(0, 1);
        const body = new EvaluateDialogBody(versions, chosen, lastForm);
        const answer = await showDialog({
          title: `Evaluate ${name}`,
          body,
          buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Evaluate' })],
          focusNodeSelector: 'input[name="data"]',
        });
        if (!answer.button.accept || !answer.value) return undefined;
        lastForm = answer.value;
        const request = evaluationRequest(answer.value);
        if ('problem' in request) throw new Error(request.problem);
        return runEvaluation(request.params.versions, () =>
          connection.request(EvaluationStartRequest, request.params),
        );
      }),
    });

    /** Starts an evaluation and follows it in a notification that can cancel it. */
    const runEvaluation = async (
      versions: VersionRef[],
      start: () => Promise<{ evaluationId: string }>,
    ): Promise<string> => {
      const label = `Evaluating ${versions.map((v) => `${v.name} v${v.version}`).join(', ')}`;
      let evaluationId = '';
      const id = Notification.emit(`${label}…`, 'in-progress', {
        autoClose: false,
        actions: [
          {
            label: 'Cancel',
            callback: (event) => {
              event.preventDefault();
              if (evaluationId) {
                void connection
                  .request(EvaluationCancelRequest, { evaluationId })
                  .catch((error: unknown) => fail('Cannot cancel', error));
              }
            },
          },
        ],
      });
      const progress = connection.onNotification(EvaluationProgressNotification, (p) => {
        if (p.evaluationId !== evaluationId) return;
        Notification.update({
          id,
          message: progressText(p, p.index, p.total, p.progress.message, p.progress.fraction),
          type: 'in-progress',
          progress: overallFraction(p.index, p.total, p.progress.fraction),
        });
      });
      const finished = connection.onNotification(EvaluationFinishedNotification, (status) => {
        if (status.evaluationId !== evaluationId) return;
        progress.dispose();
        finished.dispose();
        new Set(versions.map((v) => v.name)).forEach((name) => section.reloadModel(name));
        const done = status.state === 'finished';
        Notification.update({
          id,
          type: done ? 'success' : status.state === 'cancelled' ? 'warning' : 'error',
          message: done
            ? `Evaluated ${versions.length} version${versions.length === 1 ? '' : 's'}.`
            : status.state === 'cancelled'
              ? 'Evaluation cancelled.'
              : `Evaluation failed: ${status.error ?? 'unknown error'}`,
          autoClose: done ? 8000 : false,
          actions:
            done && versions.length >= 2
              ? [{ label: 'Compare', callback: () => void showComparison(versions) }]
              : done
                ? [{ label: 'Open', callback: () => void showVersion(versions[0]!) }]
                : [],
        });
      });
      try {
        evaluationId = (await start()).evaluationId;
      } catch (error) {
        progress.dispose();
        finished.dispose();
        Notification.dismiss(id);
        throw error;
      }
      return evaluationId;
    };

    const versionItems = [
      CommandIds.openModelVersion,
      CommandIds.setModelAlias,
      CommandIds.evaluateModelVersions,
      CommandIds.compareModelVersions,
      CommandIds.copyModelLoadSnippet,
      CommandIds.openModelSourceRun,
      CommandIds.deleteModelAlias,
      CommandIds.archiveModelVersion,
      CommandIds.restoreModelVersion,
      CommandIds.deleteModelVersion,
    ];
    versionItems.forEach((command, rank) =>
      app.contextMenu.addItem({ command, selector: VERSION_ROW, rank }),
    );
    [CommandIds.evaluateModelVersions, CommandIds.deleteModel].forEach((command, rank) =>
      app.contextMenu.addItem({ command, selector: MODEL_ROW, rank }),
    );
    app.contextMenu.addItem({ command: CommandIds.registerModel, selector: RUN_ROW, rank: 0 });
    for (const command of [
      CommandIds.refreshModels,
      CommandIds.registerModel,
      ...versionItems,
      CommandIds.deleteModel,
    ]) {
      palette?.addItem({ command, category: 'Sextant' });
    }

    if (restorer) {
      void restorer.restore(versionPages, {
        command: CommandIds.openModelVersion,
        args: (widget) => ({ ...widget.content.ref }),
        name: (widget) => widget.content.id,
        when: connection.ready(),
      });
      void restorer.restore(comparisons, {
        command: CommandIds.compareModelVersions,
        args: (widget) => ({ versions: widget.content.versions.map((v) => ({ ...v })) }),
        name: (widget) => widget.content.id,
        when: connection.ready(),
      });
    }
    themes?.themeChanged.connect(() => {
      versionPages.forEach((widget) => void widget.content.load());
      comparisons.forEach((widget) => void widget.content.load());
    });
  },
};
