/**
 * The loop timeline in VS Code: the `sextant.openTimeline` command (palette, and the context menu
 * of deployments, models and versions) and its panels.
 */
import * as vscode from 'vscode';
import { ServingListRequest } from '@sextant/language-server/protocol';
import type { TimelineScope } from '@sextant/media/presenters/timeline';
import { errorMessage, type SextantApi } from '../api';
import { TimelinePanels, type TimelineActions } from './panel';
import { scopeOfNode } from './scope';

/** Asks which deployment's timeline to open (or every deployment's); undefined when dismissed. */
async function pickScope(api: SextantApi): Promise<TimelineScope | undefined> {
  const { deployments } = await api.request(ServingListRequest);
  const every = { label: 'Every deployment', description: 'the whole loop', scope: {} };
  if (deployments.length === 0) return {};
  const picked = await vscode.window.showQuickPick(
    [
      ...deployments.map((d) => ({
        label: d.name,
        description: d.status,
        scope: { deployment: d.name },
      })),
      every,
    ],
    { title: 'The loop timeline of which deployment?' },
  );
  return picked?.scope;
}

/** Registers the command and the panels; disposed with the extension. */
export function registerTimeline(
  context: vscode.ExtensionContext,
  api: SextantApi,
  actions: TimelineActions,
): TimelinePanels {
  const panels = new TimelinePanels(context, api, actions);
  context.subscriptions.push(
    panels,
    vscode.commands.registerCommand('sextant.openTimeline', async (node: unknown) => {
      try {
        const scope = scopeOfNode(node) ?? (await pickScope(api));
        if (scope) panels.show(scope);
      } catch (error) {
        void vscode.window.showErrorMessage(`Sextant: the loop timeline: ${errorMessage(error)}`);
      }
    }),
  );
  return panels;
}
