/**
 * Services the Sextant plugins share. The main plugin provides {@link ISextantConnection}; every
 * other plugin requires it (jupyterlab-git's shape: one provider, small consumers).
 */
import type { ServerInfo } from '@sextant/language-server/protocol';
import type { NotificationType, SextantClient } from '@sextant/media/client';
import { Token } from '@lumino/coreutils';
import type { IDisposable } from '@lumino/disposable';
import type { ISignal } from '@lumino/signaling';

/** Where the connection to the language server stands. */
export type ConnectionState = 'connecting' | 'ready' | 'failed';

/**
 * The connection to Sextant's language server, reached through jupyter-lsp at `/lsp/ws/sextant`:
 * JupyterLab's implementation of the one typed client of the protocol (`SextantClient` of
 * `media`), which the shared presenters and every plugin speak. The server process is shared by
 * every tab of this JupyterLab (and restarted when the last tab leaves), so the connection
 * re-initializes after a drop and says so with {@link restarted}.
 */
export interface ISextantConnection extends SextantClient {
  /** The current state. */
  readonly state: ConnectionState;
  /** Why the last attempt failed, in words a user can act on; empty when it did not. */
  readonly error: string;
  /** The server's info once initialized; undefined before. */
  readonly info: ServerInfo | undefined;
  /** Emitted on every change of {@link state}. */
  readonly stateChanged: ISignal<ISextantConnection, ConnectionState>;
  /** Emitted each time a (new) session is ready: views reload their data then. */
  readonly restarted: ISignal<ISextantConnection, ServerInfo>;
  /** Resolves with the server info when the connection is ready (now or later). */
  ready(): Promise<ServerInfo>;
  /** Calls `handler` with each notification of `type`, across reconnections. */
  onNotification<P>(type: NotificationType<P>, handler: (params: P) => void): IDisposable;
}

/** The token of {@link ISextantConnection}. */
export const ISextantConnection = new Token<ISextantConnection>(
  '@sextant/jupyterlab:ISextantConnection',
  'The connection to the Sextant language server (through jupyter-lsp).',
);

/** Command ids of the Sextant plugins. */
export const CommandIds = {
  refresh: 'sextant:refresh',
  showExperiments: 'sextant:show-experiments',
  openRun: 'sextant:open-run',
  compareRuns: 'sextant:compare-runs',
  compareSelected: 'sextant:compare-selected',
  openRunsTable: 'sextant:open-runs-table',
  revealCell: 'sextant:reveal-cell',
  openContextRun: 'sextant:open-context-run',
  compareContextRuns: 'sextant:compare-context-runs',
  copyRunId: 'sextant:copy-run-id',
  openContextRunsTable: 'sextant:open-context-runs-table',
  filterRuns: 'sextant:filter-runs',
  openPipeline: 'sextant:open-pipeline',
  cleanPipelineCache: 'sextant:clean-pipeline-cache',
  refreshModels: 'sextant:refresh-models',
  registerModel: 'sextant:register-model',
  openModelVersion: 'sextant:open-model-version',
  compareModelVersions: 'sextant:compare-model-versions',
  setModelAlias: 'sextant:set-model-alias',
  deleteModelAlias: 'sextant:delete-model-alias',
  archiveModelVersion: 'sextant:archive-model-version',
  restoreModelVersion: 'sextant:restore-model-version',
  deleteModelVersion: 'sextant:delete-model-version',
  deleteModel: 'sextant:delete-model',
  evaluateModelVersions: 'sextant:evaluate-model-versions',
  copyModelLoadSnippet: 'sextant:copy-model-load-snippet',
  openModelSourceRun: 'sextant:open-model-source-run',
  refreshDeployments: 'sextant:refresh-deployments',
  openDeployment: 'sextant:open-deployment',
  deployModelVersion: 'sextant:deploy-model-version',
  deploy: 'sextant:deploy',
  stopDeployment: 'sextant:stop-deployment',
  scaleDeployment: 'sextant:scale-deployment',
  setDeploymentTraffic: 'sextant:set-deployment-traffic',
  promoteDeployment: 'sextant:promote-deployment',
  rollbackDeployment: 'sextant:rollback-deployment',
  openDeploymentLogs: 'sextant:open-deployment-logs',
  copyDeploymentUrl: 'sextant:copy-deployment-url',
  copyDeploymentCurl: 'sextant:copy-deployment-curl',
  copyDeploymentPython: 'sextant:copy-deployment-python',
  openTimeline: 'sextant:open-timeline',
  deleteRun: 'sextant:delete-run',
  restoreRun: 'sextant:restore-run',
  deleteExperiment: 'sextant:delete-experiment',
  restoreExperiment: 'sextant:restore-experiment',
  editExperimentDescription: 'sextant:edit-experiment-description',
  setExperimentTag: 'sextant:set-experiment-tag',
  deleteExperimentTag: 'sextant:delete-experiment-tag',
  openMonitoring: 'sextant:open-monitoring',
  openExperimentReport: 'sextant:open-experiment-report',
} as const;

/**
 * The Sextant sidebar, for plugins that add a section to it (the Models section beside
 * Experiments) or act on the runs ticked there.
 */
export interface ISextantSidebar {
  /** The sidebar widget's id (to activate it). */
  readonly id: string;
  /** Places `node` as a section of the sidebar, after Experiments. */
  addSection(node: HTMLElement): void;
  /** The runs ticked in Experiments, in the order they were ticked. */
  readonly selection: string[];
}

/** The token of {@link ISextantSidebar}. */
export const ISextantSidebar = new Token<ISextantSidebar>(
  '@sextant/jupyterlab:ISextantSidebar',
  'The Sextant sidebar, which other plugins add sections to.',
);
