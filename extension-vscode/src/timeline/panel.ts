/** Webview panels of the loop timeline: one per scope, restored after a reload. */
import type * as vscode from 'vscode';
import {
  TimelinePresenter,
  restoredScope,
  type TimelineScope,
  type TimelineViewHost,
} from '@sextant/media/presenters/timeline';
import type { SextantApi } from '../api';
import { KeyedWebviewPanels } from '../webviews/keyedPanels';
import { scopeKey, scopeTitle } from './scope';

/** Webview type of loop timelines (also their serializer's). */
export const TIMELINE_VIEW_TYPE = 'sextant.timeline';

/** What a timeline item opens, carried out by the other features' panels. */
export type TimelineActions = Pick<
  TimelineViewHost,
  'openRun' | 'openVersion' | 'openDeployment' | 'log'
>;

/** Opens, reuses and restores loop timelines. */
export class TimelinePanels extends KeyedWebviewPanels<TimelineScope, TimelinePresenter> {
  constructor(context: vscode.ExtensionContext, api: SextantApi, actions: TimelineActions) {
    super(context, api, {
      viewType: TIMELINE_VIEW_TYPE,
      view: 'timeline',
      keyOf: scopeKey,
      title: scopeTitle,
      restore: restoredScope,
      presenter: (scope, post) =>
        new TimelinePresenter(scope, api, {
          post,
          log: (message) => actions.log(message),
          openRun: (runId) => actions.openRun(runId),
          openVersion: (ref) => actions.openVersion(ref),
          openDeployment: (name) => actions.openDeployment(name),
        }),
    });
  }
}
