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
  RegistryVersionRequest,
  ServingDeployRequest,
  ServingGetRequest,
  ServingPromoteRequest,
  ServingRollbackRequest,
  ServingScaleRequest,
  ServingSetTrafficRequest,
  ServingStopRequest,
  type ServingDeploymentSummary,
} from '@sextant/language-server/protocol';
import { errorMessage } from '@sextant/media/client';
import { CommandIds, ISextantConnection, ISextantSidebar } from '../tokens.js';
import { showInMain } from '../views/mainArea.js';
import { DeploymentDashboardPanel } from './dashboardPanel.js';
import { DeployDialogBody, TrafficDialogBody } from './dialogs.js';
import { DeploymentLogsPanel } from './logsPanel.js';
import {
  actionApplies,
  canaryTargets,
  deployRequest,
  deployUris,
  replicasOf,
  servedVariants,
  weightsOf,
} from './model.js';
import { DeploymentsSection } from './section.js';

/** The rows of the Deployments section, for context menus. */
export const DEPLOYMENT_ROW = '.jp-SextantDeployments [data-deployment]';
const VERSION_ROW = '.jp-SextantModels-version';

/**
 * The Deployments section of the Sextant sidebar, its commands (context menu and palette: Deploy,
 * Stop, Scale, Set traffic, Promote, Roll back, Open logs, Copy URL / curl / Python), Deploy on a
 * model version in the Models section, and the deployment dashboard (the shared media view) and
 * a deployment's output in the main area.
 */
export const deploymentsPlugin: JupyterFrontEndPlugin<void> = {
  id: '@sextant/jupyterlab:deployments',
  description:
    'Sextant Deployments: the workspace deployments in the sidebar with live figures; deploy a model version, stop, scale, set traffic, promote, roll back; the deployment dashboard.',
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
    const dashboards = new WidgetTracker<MainAreaWidget<DeploymentDashboardPanel>>({
      namespace: 'sextant-deployment',
    });
    const logs = new WidgetTracker<MainAreaWidget<DeploymentLogsPanel>>({
      namespace: 'sextant-deployment-logs',
    });
    const copy = (text: string): void => {
      Clipboard.copyToSystem(text);
      Notification.info('Copied to the clipboard.', { autoClose: 3000 });
    };
    const notify = (level: 'info' | 'error', message: string): void => {
      if (level === 'error') Notification.error(message, { autoClose: 8000 });
      else Notification.success(message, { autoClose: 4000 });
    };
    const showDashboard = (name: string): MainAreaWidget<DeploymentDashboardPanel> =>
      showInMain(
        app,
        dashboards,
        (panel) => panel.deployment === name,
        () =>
          new DeploymentDashboardPanel(connection, name, {
            copy,
            notify,
            openExperimentReport: (deployment) =>
              void app.commands.execute(CommandIds.openExperimentReport, { deployment }),
          }),
      );
    const section = new DeploymentsSection(connection, { openDashboard: showDashboard });
    sidebar.addSection(section.node);

    /** The deployment a command acts on: its args, the row right-clicked, else the only one. */
    const targetName = (args: ReadonlyPartialJSONObject): string | undefined => {
      if (typeof args['deployment'] === 'string') return args['deployment'];
      const row = app.contextMenuHitTest((node) => node.matches(DEPLOYMENT_ROW));
      if (row?.dataset['deployment']) return row.dataset['deployment'];
      const all = section.deployments;
      return all.length === 1 ? all[0]!.name : undefined;
    };
    /** The deployment to act on, asking which when the command came from the palette. */
    const chooseDeployment = async (
      args: ReadonlyPartialJSONObject,
      action: Parameters<typeof actionApplies>[0],
    ): Promise<ServingDeploymentSummary | undefined> => {
      await section.refresh();
      const named = targetName(args);
      if (named) {
        const found = section.deployment(named);
        if (!found) throw new Error(`No deployment named '${named}'.`);
        return found;
      }
      const candidates = section.deployments.filter((d) => actionApplies(action, d));
      if (candidates.length === 0) throw new Error('No deployment this applies to.');
      const asked = await InputDialog.getItem({
        title: 'Which deployment?',
        items: candidates.map((d) => d.name),
      });
      if (!asked.button.accept || !asked.value) return undefined;
      return section.deployment(asked.value);
    };
    const fail = (what: string, error: unknown): void =>
      void showErrorMessage('Sextant', `${what}: ${errorMessage(error)}`);
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
    /** Whether the right-clicked deployment is in a state `action` applies to (menus hide it else). */
    const appliesToClicked = (action: Parameters<typeof actionApplies>[0]): boolean => {
      const row = app.contextMenuHitTest((node) => node.matches(DEPLOYMENT_ROW));
      const d = row?.dataset['deployment']
        ? section.deployment(row.dataset['deployment'])
        : undefined;
      return d === undefined || actionApplies(action, d);
    };

    /** Starts a deployment and follows it in a notification until it serves. */
    const deploying = async (
      label: string,
      start: () => Promise<ServingDeploymentSummary>,
    ): Promise<ServingDeploymentSummary> => {
      const id = Notification.emit(`Deploying ${label}…`, 'in-progress', { autoClose: false });
      try {
        const d = await start();
        Notification.update({
          id,
          type: 'success',
          message: `${d.name} is serving at ${d.url ?? '?'}.`,
          autoClose: 6000,
          actions: [{ label: 'Dashboard', callback: () => void showDashboard(d.name) }],
        });
        await section.refresh();
        return d;
      } catch (error) {
        Notification.update({
          id,
          type: 'error',
          message: `Cannot deploy ${label}: ${errorMessage(error)}`,
          autoClose: false,
        });
        throw error;
      }
    };

    app.commands.addCommand(CommandIds.refreshDeployments, {
      label: 'Refresh Sextant Deployments',
      execute: () => section.refresh(),
    });

    app.commands.addCommand(CommandIds.openDeployment, {
      label: 'Open Dashboard',
      caption: "Open the deployment's dashboard: live charts, traffic, test request, events",
      describedBy: { args: { type: 'object', properties: { deployment: { type: 'string' } } } },
      execute: guarded('Cannot open the dashboard', async (args) => {
        const d = await chooseDeployment(args, 'scale');
        return d ? showDashboard(d.name) : undefined;
      }),
    });

    app.commands.addCommand(CommandIds.deployModelVersion, {
      label: 'Deploy…',
      caption: 'Deploy this version (or one of its aliases): written into sextant.yaml and started',
      describedBy: {
        args: {
          type: 'object',
          properties: {
            name: { type: 'string' },
            version: { type: 'string' },
            alias: { type: 'string' },
          },
        },
      },
      execute: guarded('Cannot deploy', async (args) => {
        const row = app.contextMenuHitTest((node) => node.matches(VERSION_ROW));
        const name = typeof args['name'] === 'string' ? args['name'] : row?.dataset['model'];
        const version =
          typeof args['version'] === 'string' ? args['version'] : row?.dataset['version'];
        if (!name || !version) throw new Error('Right-click a version in the Models section.');
        const page = connection.request(RegistryVersionRequest, { name, version });
        const aliases = row
          ? [...row.querySelectorAll('.jp-SextantModels-alias')].map((a) =>
              (a.textContent ?? '').replace(/^@/, ''),
            )
          : (await page).summary.aliases;
        const uris = deployUris(name, version, aliases);
        const chosen =
          typeof args['alias'] === 'string'
            ? `models:/${name}@${args['alias']}`
            : (uris[1] ?? uris[0]!);
        await section.refresh();
        const body = new DeployDialogBody(
          uris,
          chosen,
          name,
          page,
          canaryTargets(name, section.deployments),
        );
        const answer = await showDialog({
          title: `Deploy ${name} v${version}`,
          body,
          buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Deploy' })],
          focusNodeSelector: 'input[name="name"]',
        });
        if (!answer.button.accept || !answer.value) return undefined;
        const checked = body.checked ?? (await page).summary;
        if (!checked.deployable) {
          const anyway = await showDialog({
            title: `${name} v${version} may not deploy here`,
            body: checked.reasons.join('\n') || 'The deployability check failed.',
            buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Deploy Anyway' })],
          });
          if (!anyway.button.accept) return undefined;
        }
        const request = deployRequest(answer.value);
        if ('problem' in request) throw new Error(request.problem);
        const what = request.params.variant
          ? `${request.params.model} as the canary of ${request.params.name}`
          : `${request.params.name} (${request.params.model})`;
        return deploying(what, () => connection.request(ServingDeployRequest, request.params));
      }),
    });

    app.commands.addCommand(CommandIds.deploy, {
      label: 'Deploy',
      caption: 'Start the deployment as sextant.yaml declares it',
      isVisible: () => appliesToClicked('deploy'),
      execute: guarded('Cannot deploy', async (args) => {
        const d = await chooseDeployment(args, 'deploy');
        if (!d) return undefined;
        return deploying(d.name, () => connection.request(ServingDeployRequest, { name: d.name }));
      }),
    });

    app.commands.addCommand(CommandIds.stopDeployment, {
      label: 'Stop',
      caption: 'Stop the deployment (its history is kept)',
      isVisible: () => appliesToClicked('stop'),
      execute: guarded('Cannot stop the deployment', async (args) => {
        const d = await chooseDeployment(args, 'stop');
        if (!d) return undefined;
        const stopped = await connection.request(ServingStopRequest, { name: d.name });
        Notification.info(`Stopped ${d.name}.`, { autoClose: 4000 });
        await section.refresh();
        return stopped;
      }),
    });

    app.commands.addCommand(CommandIds.scaleDeployment, {
      label: 'Scale…',
      caption: 'Set the replicas per variant (a running deployment restarts with them)',
      execute: guarded('Cannot scale the deployment', async (args) => {
        const d = await chooseDeployment(args, 'scale');
        if (!d) return undefined;
        let replicas = typeof args['replicas'] === 'number' ? args['replicas'] : undefined;
        if (replicas === undefined) {
          const asked = await InputDialog.getNumber({
            title: `Scale ${d.name}`,
            label: 'Replicas per variant (1 to 256)',
            value: d.variants[0]?.replicas ?? 1,
          });
          if (!asked.button.accept || asked.value === null) return undefined;
          replicas = asked.value;
        }
        const checked = replicasOf(String(replicas));
        if (typeof checked === 'string') throw new Error(checked);
        const scaled = await connection.request(ServingScaleRequest, {
          name: d.name,
          replicas: checked,
        });
        await section.refresh();
        return scaled;
      }),
    });

    app.commands.addCommand(CommandIds.setDeploymentTraffic, {
      label: 'Set Traffic…',
      caption: "Set the weights of the deployment's variants",
      isVisible: () => appliesToClicked('traffic'),
      execute: guarded('Cannot set the traffic', async (args) => {
        const d = await chooseDeployment(args, 'traffic');
        if (!d) return undefined;
        if (servedVariants(d).length < 2) {
          throw new Error(
            `${d.name} has one variant taking traffic: declare a challenger in sextant.yaml first.`,
          );
        }
        const answer = await showDialog({
          title: `Traffic of ${d.name}`,
          body: new TrafficDialogBody(d),
          buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Set' })],
        });
        if (!answer.button.accept || !answer.value) return undefined;
        const weights = weightsOf(answer.value);
        if (typeof weights === 'string') throw new Error(weights);
        const set = await connection.request(ServingSetTrafficRequest, { name: d.name, weights });
        await section.refresh();
        return set;
      }),
    });

    app.commands.addCommand(CommandIds.promoteDeployment, {
      label: 'Promote Challenger',
      caption: "Move the champion's alias to the challenger's version and send it all traffic",
      isVisible: () => appliesToClicked('promote'),
      execute: guarded('Cannot promote', async (args) => {
        const d = await chooseDeployment(args, 'promote');
        if (!d) return undefined;
        const challengers = servedVariants(d).filter((v) => v !== (d.champion ?? 'champion'));
        const answer = await showDialog({
          title: `Promote in ${d.name}?`,
          body: `${challengers.join(', ')} becomes the champion: the registry alias moves to its version and it gets all the traffic. Roll back reverses it.`,
          buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Promote' })],
        });
        if (!answer.button.accept) return undefined;
        const promoted = await connection.request(ServingPromoteRequest, { name: d.name });
        Notification.success(`${d.name}: promoted.`, { autoClose: 4000 });
        await section.refresh();
        return promoted;
      }),
    });

    app.commands.addCommand(CommandIds.rollbackDeployment, {
      label: 'Roll Back',
      caption: 'Reverse the last promotion: the alias and the traffic back',
      isVisible: () => appliesToClicked('rollback'),
      execute: guarded('Cannot roll back', async (args) => {
        const d = await chooseDeployment(args, 'rollback');
        if (!d) return undefined;
        const back = await connection.request(ServingRollbackRequest, { name: d.name });
        Notification.success(`${d.name}: rolled back.`, { autoClose: 4000 });
        await section.refresh();
        return back;
      }),
    });

    app.commands.addCommand(CommandIds.openDeploymentLogs, {
      label: 'Open Logs',
      caption: "Follow the deployment process's output",
      execute: guarded('Cannot open the logs', async (args) => {
        const d = await chooseDeployment(args, 'scale');
        if (!d) return undefined;
        return showInMain(
          app,
          logs,
          (panel) => panel.deployment === d.name,
          () => new DeploymentLogsPanel(connection, d.name),
        );
      }),
    });

    const copyCommand = (
      id: string,
      label: string,
      pick: (s: { url: string; curl: string; python: string }) => string,
    ): void => {
      app.commands.addCommand(id, {
        label,
        isVisible: () => appliesToClicked('copy'),
        execute: guarded('Cannot copy', async (args) => {
          const d = await chooseDeployment(args, 'copy');
          if (!d) return undefined;
          const { snippets } = await connection.request(ServingGetRequest, { name: d.name });
          const text = pick(snippets);
          copy(text);
          return text;
        }),
      });
    };
    copyCommand(CommandIds.copyDeploymentUrl, 'Copy Endpoint URL', (s) => s.url);
    copyCommand(CommandIds.copyDeploymentCurl, 'Copy curl Command', (s) => s.curl);
    copyCommand(CommandIds.copyDeploymentPython, 'Copy Python Snippet', (s) => s.python);

    const deploymentItems = [
      CommandIds.openDeployment,
      CommandIds.deploy,
      CommandIds.stopDeployment,
      CommandIds.scaleDeployment,
      CommandIds.setDeploymentTraffic,
      CommandIds.promoteDeployment,
      CommandIds.rollbackDeployment,
      CommandIds.openDeploymentLogs,
      CommandIds.copyDeploymentUrl,
      CommandIds.copyDeploymentCurl,
      CommandIds.copyDeploymentPython,
    ];
    deploymentItems.forEach((command, rank) =>
      app.contextMenu.addItem({ command, selector: DEPLOYMENT_ROW, rank }),
    );
    app.contextMenu.addItem({
      command: CommandIds.deployModelVersion,
      selector: VERSION_ROW,
      rank: 1,
    });
    for (const command of [CommandIds.refreshDeployments, ...deploymentItems]) {
      palette?.addItem({ command, category: 'Sextant' });
    }

    if (restorer) {
      void restorer.restore(dashboards, {
        command: CommandIds.openDeployment,
        args: (widget) => ({ deployment: widget.content.deployment }),
        name: (widget) => widget.content.id,
        when: connection.ready(),
      });
    }
    themes?.themeChanged.connect(() => {
      dashboards.forEach((widget) => void widget.content.load());
    });
  },
};
