/** The loop timeline: `media`'s timeline view of a deployment, a model or every deployment. */
import { errorMessage } from '@sextant/media/client';
import {
  TimelinePresenter,
  type TimelineScope,
  type TimelineViewHost,
} from '@sextant/media/presenters/timeline';
import type { ISextantConnection } from '../tokens.js';
import { logToConsole, ViewPanel } from '../views/mediaView.js';

/** What a timeline item opens, carried out by the other plugins' commands. */
export type TimelineOpeners = Pick<TimelineViewHost, 'openRun' | 'openVersion' | 'openDeployment'>;

/** The tab label of a scope's timeline. */
export function timelineLabel(scope: TimelineScope): string {
  const of = scope.deployment ?? scope.model;
  return of ? `Loop timeline: ${of}` : 'Loop timeline';
}

/** A main-area panel showing the loop timeline of one scope. */
export class TimelinePanel extends ViewPanel<TimelinePresenter> {
  protected readonly presenter: TimelinePresenter;

  constructor(
    connection: ISextantConnection,
    readonly scope: TimelineScope,
    open: TimelineOpeners,
  ) {
    super(connection, 'timeline');
    this.id = `sextant-timeline-${encodeURIComponent(scope.deployment ?? '')}-${encodeURIComponent(scope.model ?? '')}`;
    this.title.label = timelineLabel(scope);
    this.title.caption = `Sextant: the continuous-training loop of ${scope.deployment ?? scope.model ?? 'every deployment'}`;
    this.presenter = new TimelinePresenter(scope, connection, {
      post: this.post,
      log: logToConsole,
      openRun: (runId) => open.openRun(runId),
      openVersion: (ref) => open.openVersion(ref),
      openDeployment: (name) => open.openDeployment(name),
      failed: (error) => {
        this.title.label = `${timelineLabel(scope)} (error)`;
        this.view.node.textContent = `Cannot show the loop timeline: ${errorMessage(error)}`;
      },
    });
    this.mount();
  }

  /** Whether this panel shows `scope`. */
  shows(scope: TimelineScope): boolean {
    return this.scope.deployment === scope.deployment && this.scope.model === scope.model;
  }
}
