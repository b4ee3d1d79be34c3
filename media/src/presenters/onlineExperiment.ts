/**
 * The host side of the experiment report, in both IDEs: answers `ready` with the report of a
 * deployment's online experiment (`sextant/online/report`), or with an `experiment:` block to add
 * when it has none; refreshes it while the deployment serves (feedback arrives without a
 * notification) and when the deployment changes; and carries out the person's Promote, Stop and
 * Roll back (`sextant/online/decide`), or the rollback of a promotion (`sextant/serving/rollback`).
 */
import {
  OnlineDecideRequest,
  OnlineReportRequest,
  ServingChangedNotification,
  ServingGetRequest,
  ServingRollbackRequest,
  type OnlineReport,
} from '@sextant/language-server/protocol';
import { errorCodeOf, errorMessage, type SextantClient } from '../client';
import { MessageType, type ExperimentAction, type ViewMessage } from '../contract';
import { experimentSnippet } from '../experimentReport';
import { SnapshotPresenter, type PresenterHost } from './presenter';

/** What the report asks of its IDE adapter. */
export interface ExperimentReportViewHost extends PresenterHost {
  /** A snapshot went to the view (the adapter may title its panel after it). */
  shown?(deployment: string, report: OnlineReport | null): void;
  /** Something the user should hear of outside the view (an action done or failed). */
  notify?(level: 'info' | 'error', message: string): void;
}

/** Options of {@link ExperimentReportPresenter}. */
export interface ExperimentReportPresenterOptions {
  /** How often the report is refreshed while the experiment runs, in ms; 0: never on its own. */
  refreshIntervalMs?: number;
}

/** The deployment a report restored after a reload shows, from the state the view saved. */
export function restoredExperiment(state: unknown): string | undefined {
  const saved = (state ?? {}) as { deployment?: unknown };
  return typeof saved.deployment === 'string' && saved.deployment !== ''
    ? saved.deployment
    : undefined;
}

/** True for the server's answer about a deployment without an `experiment:` block. */
function noExperiment(error: unknown): boolean {
  return (
    errorCodeOf(error) === 'RESOURCE_DOES_NOT_EXIST' &&
    /has no online experiment/.test(errorMessage(error))
  );
}

/** What an action says while it runs and once done. */
function wordsOf(action: ExperimentAction, deployment: string): { busy: string; done: string } {
  switch (action.action) {
    case 'promote':
      return {
        busy: `Promoting ${action.variant ?? ''}…`,
        done: `${deployment}: promoted '${action.variant ?? ''}'`,
      };
    case 'stop':
      return {
        busy: `Stopping ${action.variant ?? ''}…`,
        done: `${deployment}: stopped '${action.variant ?? ''}'`,
      };
    case 'rollback':
      return { busy: 'Rolling back…', done: `${deployment}: all traffic back to the control` };
    case 'undoPromotion':
      return { busy: 'Rolling the promotion back…', done: `${deployment}: promotion rolled back` };
  }
}

/** Drives one experiment report. */
export class ExperimentReportPresenter extends SnapshotPresenter {
  private timer: ReturnType<typeof setInterval> | undefined;
  private live = false;
  private actions: Promise<void> = Promise.resolve();
  private readonly options: Required<ExperimentReportPresenterOptions>;

  constructor(
    private readonly shownDeployment: string,
    private readonly client: SextantClient,
    protected override readonly host: ExperimentReportViewHost,
    options: ExperimentReportPresenterOptions = {},
  ) {
    super(host);
    this.options = { refreshIntervalMs: 5000, ...options };
    this.subscriptions.push(
      client.onNotification(ServingChangedNotification, (p) => {
        if (p.name === this.shownDeployment) void this.refresh();
      }),
    );
  }

  /** The deployment whose experiment is shown. */
  get deployment(): string {
    return this.shownDeployment;
  }

  protected async pushSnapshot(): Promise<void> {
    const deployment = this.shownDeployment;
    let report: OnlineReport;
    try {
      report = await this.client.request(OnlineReportRequest, { deployment });
    } catch (error) {
      this.live = false;
      this.schedule();
      if (!noExperiment(error)) {
        this.post({
          type: MessageType.ExperimentReportSnapshot,
          deployment,
          report: null,
          error: errorMessage(error),
        });
        this.host.shown?.(deployment, null);
        return;
      }
      const variants = await this.client
        .request(ServingGetRequest, { name: deployment })
        .then((page) => page.deployment.variants)
        .catch(() => []);
      this.post({
        type: MessageType.ExperimentReportSnapshot,
        deployment,
        report: null,
        snippet: experimentSnippet(deployment, variants),
      });
      this.host.shown?.(deployment, null);
      return;
    }
    const promotionToRollBack = report.concluded ? await this.lastMoveWasPromotion() : false;
    this.post({
      type: MessageType.ExperimentReportSnapshot,
      deployment,
      report,
      ...(promotionToRollBack ? { promotionToRollBack } : {}),
    });
    this.host.shown?.(deployment, report);
    this.live = report.running && !report.concluded;
    this.schedule();
  }

  /** Whether the deployment's latest promote or rollback event is a promotion. */
  private async lastMoveWasPromotion(): Promise<boolean> {
    try {
      const page = await this.client.request(ServingGetRequest, { name: this.shownDeployment });
      const moves = page.events.filter((e) => e.kind === 'promote' || e.kind === 'rollback');
      const last = moves.reduce<(typeof moves)[number] | undefined>(
        (latest, e) => (!latest || e.time >= latest.time ? e : latest),
        undefined,
      );
      return last?.kind === 'promote';
    } catch (error) {
      this.host.log(`Sextant: the events of ${this.shownDeployment}: ${errorMessage(error)}`);
      return false;
    }
  }

  /** Refreshes on a timer while the experiment runs, not otherwise. */
  private schedule(): void {
    const every = this.options.refreshIntervalMs;
    if (this.live && every > 0 && !this.timer) {
      this.timer = setInterval(() => void this.refresh(), every);
    } else if ((!this.live || every <= 0) && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** Runs an action after those asked for before it, telling the view it is under way and how it ended. */
  private act(action: ExperimentAction): Promise<void> {
    this.actions = this.actions.then(() => this.run(action));
    return this.actions;
  }

  private async run(action: ExperimentAction): Promise<void> {
    const deployment = this.shownDeployment;
    const words = wordsOf(action, deployment);
    this.post({ type: MessageType.ExperimentNotice, level: 'busy', message: words.busy });
    try {
      if (action.action === 'undoPromotion') {
        await this.client.request(ServingRollbackRequest, { name: deployment });
      } else {
        if (action.action !== 'rollback' && !action.variant) {
          throw new Error(`name the variant to ${action.action}`);
        }
        await this.client.request(OnlineDecideRequest, {
          deployment,
          action: action.action,
          ...(action.action !== 'rollback' && action.variant ? { variant: action.variant } : {}),
        });
      }
      this.post({ type: MessageType.ExperimentNotice, level: 'info', message: words.done });
      this.host.notify?.('info', words.done);
    } catch (error) {
      const message = errorMessage(error);
      this.post({ type: MessageType.ExperimentNotice, level: 'error', message });
      this.host.notify?.('error', message);
    }
    await this.snapshot.request();
  }

  protected async handle(message: ViewMessage): Promise<boolean> {
    if (message.type !== MessageType.ExperimentAction) return false;
    await this.act(message);
    return true;
  }

  override dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    super.dispose();
  }
}
