/**
 * The host side of the deployment dashboard, in both IDEs: answers `ready` with the deployment's
 * page (summary, events, test request) and its latest logged requests, pushes its live figures
 * every second while it runs, follows `sextant/serving/changed`, and carries out the view's
 * actions (send a test request, set the traffic, promote, roll back).
 */
import {
  OnlineListRequest,
  ServingChangedNotification,
  ServingGetRequest,
  ServingPredictRequest,
  ServingPromoteRequest,
  ServingRequestsRequest,
  ServingRollbackRequest,
  ServingSetTrafficRequest,
  ServingStatsRequest,
  type OnlineExperimentSummary,
  type ServingGetResult,
} from '@sextant/language-server/protocol';
import { errorMessage, type SextantClient } from '../client';
import { MessageType, type ViewMessage } from '../contract';
import { SnapshotPresenter, type PresenterHost } from './presenter';

/** What the dashboard asks of its IDE adapter. */
export interface DeploymentViewHost extends PresenterHost {
  /** A snapshot went to the view (the adapter may title its panel after it). */
  shown?(page: ServingGetResult): void;
  /** Copies text (the URL, a curl or Python snippet) to the clipboard. */
  copy(text: string): void;
  /** Something the user should hear of outside the view (an action done or failed). */
  notify?(level: 'info' | 'error', message: string): void;
  /** Opens the experiment report of the deployment (the dashboard links to it). */
  openExperimentReport?(name: string): void;
}

/** Options of {@link DeploymentPresenter}. */
export interface DeploymentPresenterOptions {
  /** How often live figures are pushed while the view is open, in ms; 0: never on its own. */
  statsIntervalMs?: number;
  /** The window of the live figures, in seconds. */
  windowSeconds?: number;
  /** Logged requests shown. */
  requestLimit?: number;
}

/** The deployment a dashboard restored after a reload shows, from the state the view saved. */
export function restoredDeployment(state: unknown): string | undefined {
  const saved = (state ?? {}) as { name?: unknown };
  return typeof saved.name === 'string' && saved.name !== '' ? saved.name : undefined;
}

/** Drives one deployment dashboard. */
export class DeploymentPresenter extends SnapshotPresenter {
  private timer: ReturnType<typeof setInterval> | undefined;
  private running = false;
  private polling = false;
  /** The actions asked for, run one after the other (a promote waits for a traffic change). */
  private actions: Promise<void> = Promise.resolve();
  /** The newest logged request the view has, to push the list only when it changed. */
  private newestRequest: string | undefined;
  private readonly options: Required<DeploymentPresenterOptions>;

  constructor(
    private shownName: string,
    private readonly client: SextantClient,
    protected override readonly host: DeploymentViewHost,
    options: DeploymentPresenterOptions = {},
  ) {
    super(host);
    this.options = { statsIntervalMs: 1000, windowSeconds: 120, requestLimit: 25, ...options };
    this.subscriptions.push(
      client.onNotification(ServingChangedNotification, (p) => {
        if (p.name === this.shownName) void this.refresh();
      }),
    );
  }

  get name(): string {
    return this.shownName;
  }

  /** Shows another deployment; pushes its snapshot once the view is ready. */
  show(name: string): Promise<void> {
    this.shownName = name;
    return this.refresh();
  }

  protected async pushSnapshot(): Promise<void> {
    const name = this.shownName;
    const [page, requests, experiment] = await Promise.all([
      this.client.request(ServingGetRequest, { name }),
      this.client
        .request(ServingRequestsRequest, { name, limit: this.options.requestLimit })
        .then((r) => r.requests),
      this.experimentOf(name),
    ]);
    this.running = page.deployment.status === 'running';
    this.newestRequest = requests[0]?.requestId;
    this.post({
      type: MessageType.DeploymentSnapshot,
      page,
      requests,
      ...(experiment ? { experiment } : {}),
    });
    this.host.shown?.(page);
    this.schedule();
    await this.pollStats();
  }

  /** The deployment's online experiment, when the host can open its report and it has one. */
  private async experimentOf(name: string): Promise<OnlineExperimentSummary | undefined> {
    if (!this.host.openExperimentReport) return undefined;
    try {
      const { experiments } = await this.client.request(OnlineListRequest);
      return experiments.find((e) => e.deployment === name);
    } catch (error) {
      this.host.log(`Sextant: the experiments of ${name}: ${errorMessage(error)}`);
      return undefined;
    }
  }

  /** Starts or stops the live figures with the deployment. */
  private schedule(): void {
    const every = this.options.statsIntervalMs;
    if (this.running && every > 0 && !this.timer) {
      this.timer = setInterval(() => void this.pollStats(), every);
    } else if (!this.running && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /**
   * Pushes the live figures now (null while the deployment is not running), and the logged
   * requests when a newer one was written (a deployment writes its log in batches).
   */
  async pollStats(): Promise<void> {
    if (!this.ready || this.polling) return;
    if (!this.running) {
      this.post({ type: MessageType.DeploymentStats, stats: null });
      return;
    }
    this.polling = true;
    try {
      const stats = await this.client.request(ServingStatsRequest, {
        name: this.shownName,
        windowSeconds: this.options.windowSeconds,
      });
      this.post({ type: MessageType.DeploymentStats, stats });
      const { requests } = await this.client.request(ServingRequestsRequest, {
        name: this.shownName,
        limit: this.options.requestLimit,
      });
      if (requests[0]?.requestId !== this.newestRequest) {
        this.newestRequest = requests[0]?.requestId;
        this.post({ type: MessageType.DeploymentRequests, requests });
      }
    } catch (error) {
      this.host.log(`Sextant: the live figures of ${this.shownName}: ${errorMessage(error)}`);
    } finally {
      this.polling = false;
    }
  }

  /**
   * Runs an action after those asked for before it, telling the view it is under way and how it
   * ended.
   */
  private act(busy: string, done: string, action: () => Promise<unknown>): Promise<void> {
    this.actions = this.actions.then(() => this.run(busy, done, action));
    return this.actions;
  }

  private async run(busy: string, done: string, action: () => Promise<unknown>): Promise<void> {
    this.post({ type: MessageType.DeploymentNotice, level: 'busy', message: busy });
    try {
      await action();
      this.post({ type: MessageType.DeploymentNotice, level: 'info', message: done });
      this.host.notify?.('info', done);
    } catch (error) {
      const message = errorMessage(error);
      this.post({ type: MessageType.DeploymentNotice, level: 'error', message });
      this.host.notify?.('error', message);
    }
    await this.snapshot.request();
  }

  protected async handle(message: ViewMessage): Promise<boolean> {
    const name = this.shownName;
    switch (message.type) {
      case MessageType.SendTestRequest:
        try {
          const result = await this.client.request(ServingPredictRequest, {
            name,
            body: message.body,
            path: message.path,
          });
          this.post({ type: MessageType.DeploymentPredicted, result });
        } catch (error) {
          this.post({ type: MessageType.DeploymentPredicted, error: errorMessage(error) });
        }
        await this.snapshot.request();
        return true;
      case MessageType.CopyText:
        this.host.copy(message.text);
        return true;
      case MessageType.SetDeploymentTraffic:
        await this.act(
          'Setting the traffic…',
          `${name}: traffic ${Object.entries(message.weights)
            .map(([v, w]) => `${v} ${w}`)
            .join(' / ')}`,
          () => this.client.request(ServingSetTrafficRequest, { name, weights: message.weights }),
        );
        return true;
      case MessageType.PromoteDeployment:
        await this.act('Promoting…', `${name}: promoted`, () =>
          this.client.request(ServingPromoteRequest, {
            name,
            ...(message.variant ? { variant: message.variant } : {}),
          }),
        );
        return true;
      case MessageType.OpenExperimentReport:
        this.host.openExperimentReport?.(name);
        return true;
      case MessageType.RollbackDeployment:
        await this.act('Rolling back…', `${name}: rolled back`, () =>
          this.client.request(ServingRollbackRequest, { name }),
        );
        return true;
      default:
        return false;
    }
  }

  override dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    super.dispose();
  }
}
