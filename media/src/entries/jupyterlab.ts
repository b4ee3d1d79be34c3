/**
 * Entry of the views inside JupyterLab: a Lumino widget mounts a view in one of its own elements
 * and talks to it through a bridge of direct calls (no postMessage, no iframe). The pipeline view
 * takes JupyterLab's theme variables directly; the others read VS Code's, which the JupyterLab
 * extension maps onto `--jp-*`.
 */
import type { Bridge } from '../bridge';
import type { HostMessage, ViewMessage } from '../contract';
import { JUPYTERLAB_THEME } from '../graph/theme';
import { mountCompare } from '../views/compare';
import { mountDeployment } from '../views/deployment';
import { mountModelCompare } from '../views/modelCompare';
import { mountModelVersion } from '../views/modelVersion';
import { mountMonitoring } from '../views/monitoring';
import { mountOnlineExperiment } from '../views/onlineExperiment';
import { mountPipeline } from '../views/pipeline';
import { mountRun } from '../views/run';
import { mountRunsTable } from '../views/runsTable';
import { mountTimeline } from '../views/timeline';

export { MessageType } from '../contract';
export type { HostMessage, ViewMessage } from '../contract';

/** The views a JupyterLab widget can host. */
export type ViewKind =
  | 'compare'
  | 'run'
  | 'pipeline'
  | 'modelVersion'
  | 'modelCompare'
  | 'runsTable'
  | 'deployment'
  | 'timeline'
  | 'monitoring'
  | 'onlineExperiment';

/** A bridge whose host side is a plain object in the same page. */
export interface DirectBridge {
  /** What the view is given. */
  bridge: Bridge;
  /** Delivers a host message to the view (after it said `ready`, or it is queued until then). */
  send(message: HostMessage): void;
}

/**
 * A bridge of direct calls: `onViewMessage` gets what the view posts; `send` reaches the view's
 * listeners. Messages sent before the view listens are kept and delivered when it does. The view's
 * state lives in this object (a widget keeps it for as long as it lives).
 */
export function directBridge(onViewMessage: (message: ViewMessage) => void): DirectBridge {
  const listeners = new Set<(message: HostMessage) => void>();
  const queued: HostMessage[] = [];
  let state: unknown;
  const bridge: Bridge = {
    post: (message) => onViewMessage(message),
    listen: (handler) => {
      listeners.add(handler);
      for (const message of queued.splice(0)) handler(message);
      return () => listeners.delete(handler);
    },
    getState: <T>() => state as T | undefined,
    setState: (next) => {
      state = next;
    },
  };
  return {
    bridge,
    send: (message) => {
      if (listeners.size === 0) queued.push(message);
      for (const listener of listeners) listener(message);
    },
  };
}

/** Mounts the view `kind` in `root` over `bridge`. */
export function mountView(kind: ViewKind, root: HTMLElement, bridge: Bridge): void {
  if (kind === 'compare') mountCompare(root, bridge);
  else if (kind === 'run') mountRun(root, bridge);
  else if (kind === 'modelVersion') mountModelVersion(root, bridge);
  else if (kind === 'modelCompare') mountModelCompare(root, bridge);
  else if (kind === 'runsTable') mountRunsTable(root, bridge);
  else if (kind === 'deployment') mountDeployment(root, bridge);
  else if (kind === 'timeline') mountTimeline(root, bridge);
  else if (kind === 'monitoring') mountMonitoring(root, bridge);
  else if (kind === 'onlineExperiment') mountOnlineExperiment(root, bridge);
  else mountPipeline(root, bridge, { theme: JUPYTERLAB_THEME });
}
