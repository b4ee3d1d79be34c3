/**
 * The status bar item: the tracking server's address and how many runs are running, or that the
 * server is stopped (a click starts it again).
 */
import {
  ExperimentsListRequest,
  RunsChangedNotification,
  RunsSearchRequest,
} from '@sextant/language-server/protocol';
import * as vscode from 'vscode';
import { SerialTask, type SextantApi } from './api';
import { RUNNING_FILTER, statusBarText } from './experiments/model';

/** Counts running runs over every experiment (one page of up to 1000 is plenty for a badge). */
export async function countRunning(api: SextantApi): Promise<number> {
  const { experiments } = await api.request(ExperimentsListRequest, { maxResults: 1000 });
  if (experiments.length === 0) return 0;
  const { runs } = await api.request(RunsSearchRequest, {
    experimentIds: experiments.map((e) => e.experimentId),
    filter: RUNNING_FILTER,
    maxResults: 1000,
    metricKeys: [],
  });
  return runs.length;
}

/** Creates the item and keeps it current; the result disposes both. */
export function createStatusBar(
  api: SextantApi,
  log: (message: string) => void,
): vscode.Disposable {
  const item = vscode.window.createStatusBarItem(
    'sextant.server',
    vscode.StatusBarAlignment.Left,
    10,
  );
  item.name = 'Sextant';
  let running = 0;
  const render = (): void => {
    const uri = api.info?.trackingUri;
    const stopped = api.state === 'stopped';
    item.text = statusBarText(uri, running, api.state);
    item.command = stopped ? 'sextant.startServer' : 'sextant.copyTrackingUri';
    item.tooltip = stopped
      ? "Sextant's tracking server is stopped. Click to start it."
      : uri
        ? `Sextant tracking server: ${uri}\nStore: ${api.info?.storeDir}\n${running} running run(s)\nClick to copy MLFLOW_TRACKING_URI`
        : 'Sextant is starting';
  };
  const recount = new SerialTask(
    async () => {
      if (!api.info) return;
      running = await countRunning(api);
      render();
    },
    (error) => log(`Sextant: counting running runs failed: ${String(error)}`),
  );
  const subscriptions = [
    api.onServerInfo(() => {
      render();
      void recount.request();
    }),
    api.onNotification(RunsChangedNotification, () => void recount.request()),
    api.onServerStopped(() => {
      running = 0;
      render();
    }),
  ];
  render();
  item.show();
  void recount.request();
  return {
    dispose: () => {
      for (const s of subscriptions) s.dispose();
      item.dispose();
    },
  };
}
