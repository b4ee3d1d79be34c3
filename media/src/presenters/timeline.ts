/**
 * The host side of the loop timeline, in both IDEs: answers `ready` with the timeline of a
 * deployment or a model grouped by turn of the loop, refreshes it when an alert fires, a pipeline
 * run, a registered model or a deployment changes, and opens what an item points at through the
 * IDE's own commands (run page, model version page, deployment dashboard).
 */
import {
  MonitoringAlertNotification,
  PipelinesChangedNotification,
  RegistryChangedNotification,
  ServingChangedNotification,
  TimelineGetRequest,
  type TimelineTarget,
  type VersionRef,
} from '@sextant/language-server/protocol';
import type { SextantClient } from '../client';
import { MessageType, type ViewMessage } from '../contract';
import { iterationsOf, scopeText } from '../timeline';
import { SnapshotPresenter, type PresenterHost } from './presenter';

/** What the timeline covers: a deployment, a model, or (neither) every deployment. */
export interface TimelineScope {
  deployment?: string;
  model?: string;
}

/** What the timeline asks of its IDE adapter. */
export interface TimelineViewHost extends PresenterHost {
  /** Opens a tracking run's page (an evaluation, a pipeline's run). */
  openRun(runId: string): void;
  /** Opens a model version's page. */
  openVersion(ref: VersionRef): void;
  /** Opens a deployment's dashboard. */
  openDeployment(name: string): void;
  /** Opens a deployment's experiment report; the dashboard where the IDE has none. */
  openExperiment?(deployment: string): void;
}

/** The scope a timeline restored after a reload shows, from the state the view saved. */
export function restoredScope(state: unknown): TimelineScope {
  const saved = (state ?? {}) as { deployment?: unknown; model?: unknown };
  return {
    ...(typeof saved.deployment === 'string' && saved.deployment !== ''
      ? { deployment: saved.deployment }
      : {}),
    ...(typeof saved.model === 'string' && saved.model !== '' ? { model: saved.model } : {}),
  };
}

/** Drives one loop timeline. */
export class TimelinePresenter extends SnapshotPresenter {
  constructor(
    readonly scope: TimelineScope,
    private readonly client: SextantClient,
    protected override readonly host: TimelineViewHost,
  ) {
    super(host);
    const refresh = (): void => void this.refresh();
    this.subscriptions.push(
      client.onNotification(MonitoringAlertNotification, (alert) => {
        if (!scope.deployment || alert.deployment === scope.deployment) refresh();
      }),
      client.onNotification(PipelinesChangedNotification, refresh),
      client.onNotification(RegistryChangedNotification, refresh),
      client.onNotification(ServingChangedNotification, (p) => {
        if (!scope.deployment || p.name === scope.deployment) refresh();
      }),
    );
  }

  protected async pushSnapshot(): Promise<void> {
    const timeline = await this.client.request(TimelineGetRequest, { ...this.scope });
    this.post({
      type: MessageType.TimelineSnapshot,
      scope: scopeText(this.scope),
      ...this.scope,
      iterations: iterationsOf(timeline.items),
      truncated: timeline.truncated,
    });
  }

  /** Opens what an item points at. */
  open(target: TimelineTarget): void {
    switch (target.kind) {
      case 'run':
        this.host.openRun(target.runId);
        return;
      case 'pipelineRun':
        if (target.runId) this.host.openRun(target.runId);
        else this.host.log(`Sextant: pipeline run ${target.pipelineRunId} has no tracked run`);
        return;
      case 'modelVersion':
        this.host.openVersion({ name: target.name, version: target.version });
        return;
      case 'deployment':
        this.host.openDeployment(target.name);
        return;
      case 'experiment':
        if (this.host.openExperiment) this.host.openExperiment(target.deployment);
        else this.host.openDeployment(target.deployment);
        return;
    }
  }

  protected async handle(message: ViewMessage): Promise<boolean> {
    if (message.type !== MessageType.OpenTimelineTarget) return false;
    this.open(message.target);
    return true;
  }
}
