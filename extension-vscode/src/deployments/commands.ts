/** The commands of the Deployments view, of Deploy in the Models view, and of code lenses. */
import {
  ServingDeployRequest,
  ServingGetRequest,
  ServingListRequest,
  ServingLogsRequest,
  ServingPredictRequest,
  ServingPromoteRequest,
  ServingRollbackRequest,
  ServingScaleRequest,
  ServingSetTrafficRequest,
  ServingStopRequest,
  type ModelVersionSummary,
  type RegisteredModelSummary,
  type ServingDeployParams,
  type ServingDeploymentSummary,
} from '@sextant/language-server/protocol';
import { formatMs, suggestedDeploymentName } from '@sextant/media/deployments';
import * as vscode from 'vscode';
import { errorMessage, type SextantApi } from '../api';
import { isModelNode, isVersionNode } from '../models/model';
import {
  deployabilityText,
  deploymentNameProblem,
  deployTargets,
  isDeploymentNode,
  parseWeights,
  replicasProblem,
} from './model';
import type { MonitoringPanels } from './monitoringPanel';
import type { DeploymentPanels } from './panel';
import type { DeploymentsTree } from './tree';

/** What the deployment commands act on. */
export interface DeploymentCommandContext {
  api: SextantApi;
  tree: DeploymentsTree;
  panels: DeploymentPanels;
  /** The monitoring dashboards. */
  monitoring: MonitoringPanels;
  /** The versions of a registered model, newest first (the Models tree's cache). */
  versions(model: string): Promise<ModelVersionSummary[]>;
}

/** How often an open log channel asks for more output, in ms. */
const LOG_POLL_MS = 1000;

/** Follows deployments' output into one output channel each, while they run. */
class LogChannels implements vscode.Disposable {
  private readonly open = new Map<
    string,
    { channel: vscode.OutputChannel; offset: number; timer?: NodeJS.Timeout }
  >();

  constructor(private readonly api: SextantApi) {}

  show(name: string): void {
    let entry = this.open.get(name);
    if (!entry) {
      entry = {
        channel: vscode.window.createOutputChannel(`Sextant Deployment: ${name}`),
        offset: 0,
      };
      this.open.set(name, entry);
    }
    entry.channel.show(true);
    const follow = entry;
    const poll = async (): Promise<void> => {
      try {
        const { text, offset } = await this.api.request(ServingLogsRequest, {
          name,
          offset: follow.offset,
        });
        if (offset < follow.offset) follow.channel.clear();
        follow.offset = offset;
        if (text) follow.channel.append(text);
      } catch (error) {
        follow.channel.appendLine(`Sextant: ${errorMessage(error)}`);
        clearInterval(follow.timer);
        follow.timer = undefined;
      }
    };
    void poll();
    follow.timer ??= setInterval(() => void poll(), LOG_POLL_MS);
  }

  dispose(): void {
    for (const { channel, timer } of this.open.values()) {
      clearInterval(timer);
      channel.dispose();
    }
  }
}

/** Registers the deployment commands; each shows its error instead of throwing. */
export function registerDeploymentCommands(ctx: DeploymentCommandContext): vscode.Disposable[] {
  const { api, tree, panels } = ctx;
  const logs = new LogChannels(api);
  const register = (id: string, fn: (...args: unknown[]) => unknown): vscode.Disposable =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await fn(...args);
      } catch (error) {
        void vscode.window.showErrorMessage(`Sextant: ${errorMessage(error)}`);
        return undefined;
      }
    });

  /** The deployment a command is about: a tree node, `{ name }` (code lenses), or a pick. */
  const nameOf = async (
    arg: unknown,
    filter: (d: ServingDeploymentSummary) => boolean = () => true,
  ): Promise<string | undefined> => {
    if (isDeploymentNode(arg)) return arg.deployment.name;
    const given = (arg as { name?: unknown } | undefined)?.name;
    if (typeof given === 'string' && given !== '') return given;
    const { deployments } = await api.request(ServingListRequest);
    const choices = deployments.filter(filter);
    if (choices.length === 0) {
      void vscode.window.showWarningMessage('Sextant: no deployment to do this with.');
      return undefined;
    }
    if (choices.length === 1) return choices[0]!.name;
    return (
      await vscode.window.showQuickPick(
        choices.map((d) => ({ label: d.name, description: d.status })),
        { title: 'Which deployment?' },
      )
    )?.label;
  };

  const changed = (): void => tree.refresh();

  /** Starts a deployment with progress; resolves with it once it is ready. */
  const deploy = async (params: ServingDeployParams): Promise<ServingDeploymentSummary> => {
    const summary = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Sextant: deploying ${params.name}`,
        cancellable: false,
      },
      async (progress) => {
        progress.report({ message: 'starting its replicas and loading the model…' });
        return api.request(ServingDeployRequest, params);
      },
    );
    changed();
    void vscode.window
      .showInformationMessage(
        `Sextant: ${summary.name} is serving at ${summary.url}`,
        'Open Dashboard',
        'Send Test Request',
      )
      .then((choice) => {
        if (choice === 'Open Dashboard') panels.show(summary.name);
        if (choice === 'Send Test Request') {
          void vscode.commands.executeCommand('sextant.deployments.sendTestRequest', {
            name: summary.name,
          });
        }
      });
    return summary;
  };

  /** The Deploy form of a version or a model: the deployability check, then name, runtime, replicas. */
  const deployModel = async (node: unknown): Promise<ServingDeploymentSummary | undefined> => {
    let model: string;
    let version: ModelVersionSummary | undefined;
    let registered: RegisteredModelSummary | undefined;
    if (isVersionNode(node)) {
      model = node.version.name;
      version = node.version;
    } else if (isModelNode(node)) {
      model = node.model.name;
      registered = node.model;
    } else {
      void vscode.window.showWarningMessage(
        'Sextant: right-click a model or one of its versions in the Models view to deploy it.',
      );
      return undefined;
    }
    const targets = deployTargets(model, { version, model: registered });
    if (targets.length === 0) {
      void vscode.window.showWarningMessage(`Sextant: ${model} has no version to deploy yet.`);
      return undefined;
    }
    const target =
      targets.length === 1
        ? targets[0]!
        : await vscode.window.showQuickPick(targets, {
            title: `Deploy ${model}: through an alias, or a fixed version?`,
          });
    if (!target) return undefined;
    const aliasMatch = /@(.+)$/.exec(target.uri);
    const versionNumber = aliasMatch
      ? (registered?.aliases.find((a) => a.alias === aliasMatch[1])?.version ?? version?.version)
      : target.uri.split('/').pop();
    const checked = version ?? (await ctx.versions(model)).find((v) => v.version === versionNumber);
    const check = deployabilityText(checked);
    if (!check.ok) {
      const go = await vscode.window.showWarningMessage(
        check.text,
        { modal: true },
        'Deploy Anyway',
      );
      if (go !== 'Deploy Anyway') return undefined;
    }
    // Asked now, not read from the tree: the view may not have re-listed since the last deploy.
    const listed = (await api.request(ServingListRequest)).deployments;
    const serving = listed.filter(
      (d) => d.status !== 'declared' && d.variants.some((v) => v.model === model),
    );
    if (serving.length > 0) {
      const how = await vscode.window.showQuickPick(
        [
          { label: 'New deployment…', description: 'serve it on its own endpoint', name: '' },
          ...serving.map((d) => ({
            label: `Add to ${d.name} as a canary…`,
            description: `a challenger variant taking a share of ${d.name}'s traffic`,
            name: d.name,
          })),
        ],
        { title: `Deploy ${target.uri}: a new deployment, or a canary of one serving ${model}?` },
      );
      if (!how) return undefined;
      if (how.name) {
        const weight = await vscode.window.showInputBox({
          title: `Canary of ${how.name}`,
          prompt: `Percent of ${how.name}'s traffic for ${target.uri} (the champion keeps the rest)`,
          value: '10',
          validateInput: (value) =>
            /^\d+$/.test(value.trim()) && Number(value) <= 100
              ? undefined
              : 'A whole number from 0 to 100.',
        });
        if (weight === undefined) return undefined;
        return deploy({
          name: how.name,
          model: target.uri,
          variant: 'challenger',
          weight: Number(weight),
        });
      }
    }
    const taken = listed.map((d) => d.name);
    const name = await vscode.window.showInputBox({
      title: `Deploy ${target.uri} (1/3)`,
      prompt: check.ok ? `${check.text} Deployment name:` : 'Deployment name:',
      value: suggestedDeploymentName(model),
      validateInput: (value) => {
        const problem = deploymentNameProblem(value, taken);
        return problem?.startsWith('A deployment')
          ? { message: problem, severity: vscode.InputBoxValidationSeverity.Warning }
          : problem;
      },
    });
    if (!name) return undefined;
    const runtime = await vscode.window.showQuickPick(
      [
        { label: 'python', description: 'the MLflow pyfunc in worker processes (any flavor)' },
        {
          label: 'onnx',
          description:
            'scikit-learn converted to ONNX and run in-process, checked against the original',
        },
      ],
      { title: `Deploy ${target.uri} (2/3): runtime` },
    );
    if (!runtime) return undefined;
    const replicas = await vscode.window.showInputBox({
      title: `Deploy ${target.uri} (3/3): replicas`,
      prompt: 'Worker processes per variant',
      value: '1',
      validateInput: replicasProblem,
    });
    if (!replicas) return undefined;
    return deploy({
      name: name.trim(),
      model: target.uri,
      runtime: runtime.label as 'python' | 'onnx',
      replicas: Number(replicas),
    });
  };

  const sendTestRequest = async (arg: unknown): Promise<void> => {
    const name = await nameOf(arg, (d) => d.status === 'running');
    if (!name) return;
    const page = await api.request(ServingGetRequest, { name });
    if (page.deployment.status !== 'running') {
      const go = await vscode.window.showWarningMessage(
        `Sextant: ${name} is not running.`,
        'Deploy',
      );
      if (go !== 'Deploy') return;
      await deploy({ name });
    }
    panels.show(name);
    const answer = await api.request(ServingPredictRequest, {
      name,
      body: page.testRequest.body,
      path: page.testRequest.path,
    });
    const body = answer.body.length > 200 ? `${answer.body.slice(0, 200)}…` : answer.body;
    const text = `Sextant: ${name} answered HTTP ${answer.status} in ${formatMs(answer.latencyMs)}${answer.variant ? ` (${answer.variant})` : ''}: ${body}`;
    if (answer.status < 400) void vscode.window.showInformationMessage(text);
    else void vscode.window.showWarningMessage(text);
  };

  const copy = async (arg: unknown, what: 'url' | 'curl' | 'python'): Promise<void> => {
    const name = await nameOf(arg, (d) => d.status === 'running');
    if (!name) return;
    const page = await api.request(ServingGetRequest, { name });
    if (!page.deployment.url) {
      void vscode.window.showWarningMessage(
        `Sextant: ${name} is not running, so it has no URL yet.`,
      );
      return;
    }
    await vscode.env.clipboard.writeText(page.snippets[what]);
    vscode.window.setStatusBarMessage(
      `Sextant: copied the ${what === 'url' ? 'URL' : `${what} snippet`} of ${name}`,
      3000,
    );
  };

  const confirm = async (message: string, action: string): Promise<boolean> =>
    (await vscode.window.showWarningMessage(message, { modal: true }, action)) === action;

  return [
    logs,
    register('sextant.deployments.refresh', () => tree.refresh()),
    register('sextant.deployments.up', async (arg: unknown) => {
      const uri = (arg as { uri?: unknown } | undefined)?.uri;
      const given =
        typeof uri === 'string'
          ? vscode.Uri.parse(uri).fsPath
          : uri instanceof vscode.Uri
            ? uri.fsPath
            : undefined;
      const file = tree.declaringFile ?? (await api.request(ServingListRequest)).file;
      if (given !== undefined && given !== file) {
        void vscode.window.showWarningMessage(
          `Sextant deploys what ${file} declares; move the deployment there to deploy it.`,
        );
        return undefined;
      }
      const name = await nameOf(arg, (d) => d.status !== 'running');
      if (name) return deploy({ name });
      return undefined;
    }),
    register('sextant.deployments.deployModel', deployModel),
    register('sextant.deployments.stop', async (arg: unknown) => {
      const name = await nameOf(arg, (d) => d.status === 'running');
      if (!name) return;
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Sextant: stopping ${name}` },
        () => api.request(ServingStopRequest, { name }),
      );
      changed();
    }),
    register('sextant.deployments.scale', async (arg: unknown) => {
      const name = await nameOf(arg);
      if (!name) return;
      const current = tree.listed.find((d) => d.name === name)?.variants[0]?.replicas ?? 1;
      const replicas = await vscode.window.showInputBox({
        title: `Scale ${name}`,
        prompt: 'Replicas per variant (a running deployment restarts with them, its traffic kept)',
        value: String(current),
        validateInput: replicasProblem,
      });
      if (!replicas) return;
      await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `Sextant: scaling ${name} to ${replicas}`,
        },
        () => api.request(ServingScaleRequest, { name, replicas: Number(replicas) }),
      );
      changed();
    }),
    register('sextant.deployments.setTraffic', async (arg: unknown) => {
      const name = await nameOf(arg, (d) => d.status === 'running');
      if (!name) return;
      const deployment = (await api.request(ServingGetRequest, { name })).deployment;
      const served = deployment.variants.filter((v) => !v.shadow);
      const text = await vscode.window.showInputBox({
        title: `Set the traffic of ${name}`,
        prompt: 'variant=weight for each variant to change',
        value: served.map((v) => `${v.name}=${v.weight}`).join(' '),
        validateInput: (value) => {
          const parsed = parseWeights(
            value,
            served.map((v) => v.name),
          );
          return typeof parsed === 'string' ? parsed : undefined;
        },
      });
      if (!text) return;
      const weights = parseWeights(
        text,
        served.map((v) => v.name),
      );
      if (typeof weights === 'string') return;
      await api.request(ServingSetTrafficRequest, { name, weights });
      changed();
    }),
    register('sextant.deployments.promote', async (arg: unknown) => {
      const name = await nameOf(arg, (d) => d.status === 'running');
      if (!name) return;
      if (
        !(await confirm(
          `Promote the challenger of ${name}? Its version takes the champion's alias and all traffic.`,
          'Promote',
        ))
      )
        return;
      await api.request(ServingPromoteRequest, { name });
      changed();
      vscode.window.setStatusBarMessage(`Sextant: ${name} promoted`, 5000);
    }),
    register('sextant.deployments.rollback', async (arg: unknown) => {
      const name = await nameOf(arg);
      if (!name) return;
      if (
        !(await confirm(
          `Roll back the last promotion of ${name}? The alias and the traffic go back.`,
          'Roll Back',
        ))
      )
        return;
      await api.request(ServingRollbackRequest, { name });
      changed();
      vscode.window.setStatusBarMessage(`Sextant: ${name} rolled back`, 5000);
    }),
    register('sextant.deployments.openLogs', async (arg: unknown) => {
      const name = await nameOf(arg);
      if (name) logs.show(name);
    }),
    register('sextant.deployments.openDashboard', async (arg: unknown) => {
      const name = await nameOf(arg);
      if (name) panels.show(name);
    }),
    register('sextant.deployments.openMonitoring', async (arg: unknown) => {
      const name = await nameOf(arg);
      if (name) ctx.monitoring.show(name);
    }),
    register('sextant.deployments.sendTestRequest', sendTestRequest),
    register('sextant.deployments.copyUrl', (arg: unknown) => copy(arg, 'url')),
    register('sextant.deployments.copyCurl', (arg: unknown) => copy(arg, 'curl')),
    register('sextant.deployments.copyPython', (arg: unknown) => copy(arg, 'python')),
  ];
}
