import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Page } from '../model';
import { invalid } from '../model/errors';
import type { RegistryChange, RegistryChangeDetail, RegistryService } from '../registry';
import { deliver, type DeliveryOutcome, type Post } from './delivery';
import type {
  CreateWebhookInput,
  StoredWebhook,
  UpdateWebhookInput,
  Webhook,
  WebhookEvent,
  WebhookTestResult,
} from './model';
import {
  announcementOf,
  candidateEvents,
  examplePayload,
  isPromptTags,
  pythonJson,
} from './payloads';
import type { WebhookSettings } from './settings';
import type { SqliteWebhookStore } from './sqliteStore';
import { checkWebhookUrl, type Resolver } from './ssrf';
import { validateWebhookName } from './validation';

/** Default and largest page of `list_webhooks` (MLflow's). */
export const WEBHOOK_PAGE = { default: 100, max: 1000 } as const;

/** What {@link WebhookService.events} emits. */
export interface WebhookServiceEvents {
  /** A delivery of a registry change finished (after its retries), delivered or not. */
  delivered: [DeliveryOutcome];
}

/** What the service may be given instead of the network (tests). */
export interface WebhookTransport {
  post?: Post;
  resolve?: Resolver;
  wait?: (ms: number) => Promise<void>;
}

const withoutSecret = ({ secret: _secret, ...webhook }: StoredWebhook): Webhook => webhook;

function pageOffset(token: string | undefined): number {
  if (!token) return 0;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  } catch {
    throw invalid('Invalid page token, could not base64-decode');
  }
  const offset = (parsed as { offset?: unknown } | null)?.offset;
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) {
    throw invalid(`Invalid page token, decoded value=${JSON.stringify(parsed)}`);
  }
  return offset;
}

/**
 * MLflow's registry webhooks: registered here (create, get, list, update, delete, test), then
 * told of the registry's changes, which they deliver off the request path (a bounded queue,
 * `maxConcurrent` at once), signed and retried as MLflow does. Secrets are stored and used to
 * sign, and never returned.
 */
export class WebhookService {
  /** Outcomes of deliveries, for logs and tests. */
  readonly events = new EventEmitter<WebhookServiceEvents>();
  private readonly queue: (() => Promise<void>)[] = [];
  private running = 0;
  private announcing = 0;
  private readonly idleWaiters: (() => void)[] = [];
  private detach: (() => void) | undefined;

  constructor(
    private readonly store: SqliteWebhookStore,
    readonly settings: WebhookSettings,
    private readonly transport: WebhookTransport = {},
  ) {}

  private checkUrl(url: string): Promise<URL> {
    return checkWebhookUrl(url, this.settings, this.transport.resolve);
  }

  async create(input: CreateWebhookInput): Promise<Webhook> {
    validateWebhookName(input.name);
    await this.checkUrl(input.url);
    if (input.events.length === 0) {
      throw invalid('Webhook events must be a non-empty list of WebhookEvent objects: [].');
    }
    const now = Date.now();
    const webhook: StoredWebhook = {
      webhookId: randomUUID(),
      name: input.name,
      description: input.description ?? '',
      url: input.url,
      events: input.events,
      status: input.status ?? 'ACTIVE',
      secret: input.secret ?? '',
      creationTimestamp: now,
      lastUpdatedTimestamp: now,
    };
    this.store.insert(webhook);
    return withoutSecret(webhook);
  }

  async get(webhookId: string): Promise<Webhook> {
    return withoutSecret(this.store.get(webhookId));
  }

  async list(maxResults?: number, pageToken?: string): Promise<Page<Webhook>> {
    const limit = maxResults || WEBHOOK_PAGE.default;
    if (limit < 1 || limit > WEBHOOK_PAGE.max) {
      throw invalid(`max_results must be between 1 and ${WEBHOOK_PAGE.max}.`);
    }
    const offset = pageOffset(pageToken);
    const rows = this.store.list(offset, limit + 1);
    const items = rows.slice(0, limit).map(withoutSecret);
    return rows.length > limit
      ? {
          items,
          nextPageToken: Buffer.from(pythonJson({ offset: offset + limit })).toString('base64'),
        }
      : { items };
  }

  async update(webhookId: string, input: UpdateWebhookInput): Promise<Webhook> {
    const current = this.store.get(webhookId);
    if (input.name !== undefined) validateWebhookName(input.name);
    if (input.url !== undefined) await this.checkUrl(input.url);
    const next: StoredWebhook = {
      ...current,
      ...Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)),
      lastUpdatedTimestamp: Math.max(Date.now(), current.lastUpdatedTimestamp),
    };
    this.store.replace(next);
    return withoutSecret(next);
  }

  async delete(webhookId: string): Promise<void> {
    this.store.delete(webhookId);
  }

  /**
   * Sends the example payload of `event` (default: the webhook's first event) now, whatever the
   * webhook's status, and says what the receiver answered.
   */
  async test(webhookId: string, event?: WebhookEvent): Promise<WebhookTestResult> {
    const webhook = this.store.get(webhookId);
    const chosen = event ?? (webhook.events[0] as WebhookEvent);
    const outcome = await deliver(
      webhook,
      { event: chosen, data: examplePayload(chosen) },
      this.settings,
      this.transport,
    );
    if (outcome.status === undefined) {
      return { success: false, errorMessage: `Failed to test webhook: ${outcome.error ?? ''}` };
    }
    return {
      success: outcome.status < 400,
      responseStatus: outcome.status,
      responseBody: outcome.body ?? '',
    };
  }

  /**
   * Delivers the registry's changes from now on. The listener only queues: a registry call never
   * waits for a receiver. Returns a function that stops listening.
   */
  attach(registry: RegistryService): () => void {
    const listener = (change: RegistryChange): void => {
      const { detail } = change;
      if (!detail) return;
      this.announcing++;
      setImmediate(() => {
        this.announce(registry, { ...change, detail })
          .catch((error: unknown) => {
            process.stderr.write(
              `sextant: announcing a registry change failed: ${String(error)}\n`,
            );
          })
          .finally(() => {
            this.announcing--;
            this.settleIdle();
          });
      });
    };
    registry.events.on('changed', listener);
    this.detach = () => registry.events.off('changed', listener);
    return this.detach;
  }

  private async announce(
    registry: RegistryService,
    change: RegistryChange & { detail: RegistryChangeDetail },
  ): Promise<void> {
    const candidates = candidateEvents(change.detail);
    const subscribed = this.store.activeFor(candidates);
    if (subscribed.length === 0) return;
    const prompt =
      change.detail.kind === 'model.created'
        ? isPromptTags(change.detail.tags)
        : await registry.getModel(change.name).then(
            (model) => isPromptTags(model.tags),
            () => false,
          );
    const announcement = announcementOf(change, prompt);
    if (!announcement) return;
    const { entity, action } = announcement.event;
    const targets = subscribed.filter((w) =>
      w.events.some((e) => e.entity === entity && e.action === action),
    );
    for (const target of targets) {
      this.enqueue(async () => {
        const outcome = await deliver(target, announcement, this.settings, this.transport);
        if (outcome.status === undefined || outcome.status >= 400) {
          process.stderr.write(
            `sextant: webhook '${target.name}' (${target.url}) for ${outcome.event} failed after ${outcome.attempts} attempt(s): ${outcome.error ?? `HTTP ${outcome.status}`}\n`,
          );
        }
        this.events.emit('delivered', outcome);
      });
    }
  }

  private enqueue(work: () => Promise<void>): void {
    this.queue.push(work);
    setImmediate(() => this.pump());
  }

  private pump(): void {
    while (this.running < this.settings.maxConcurrent && this.queue.length > 0) {
      const work = this.queue.shift() as () => Promise<void>;
      this.running++;
      void work()
        .catch((error: unknown) => {
          process.stderr.write(`sextant: webhook delivery failed: ${String(error)}\n`);
        })
        .finally(() => {
          this.running--;
          this.pump();
        });
    }
    this.settleIdle();
  }

  private get busy(): boolean {
    return this.running > 0 || this.queue.length > 0 || this.announcing > 0;
  }

  private settleIdle(): void {
    if (!this.busy) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /** Resolves when no change is being announced and no delivery is queued or in flight. */
  idle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stops listening to the registry, then waits up to `waitMs` for deliveries under way; those
   * still queued after that are dropped.
   */
  async close(waitMs = 0): Promise<void> {
    this.detach?.();
    this.detach = undefined;
    if (waitMs > 0 && this.busy) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.idle(),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, waitMs);
          timer.unref();
        }),
      ]);
      clearTimeout(timer);
    }
    this.queue.length = 0;
  }
}
