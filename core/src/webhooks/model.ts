/** Whether a webhook is delivered to (MLflow's `WebhookStatus`). */
export type WebhookStatus = 'ACTIVE' | 'DISABLED';

/** The entities MLflow's webhooks speak of, as they appear in an event name (`<entity>.<action>`). */
export const WEBHOOK_ENTITIES = [
  'registered_model',
  'model_version',
  'model_version_tag',
  'model_version_alias',
  'prompt',
  'prompt_version',
  'prompt_tag',
  'prompt_version_tag',
  'prompt_alias',
  'budget_policy',
] as const;
export type WebhookEntity = (typeof WEBHOOK_ENTITIES)[number];

/** The actions of MLflow's webhook events. */
export const WEBHOOK_ACTIONS = ['created', 'updated', 'deleted', 'set', 'exceeded'] as const;
export type WebhookAction = (typeof WEBHOOK_ACTIONS)[number];

/** The actions each entity has (MLflow 3.17's valid event combinations). */
export const ENTITY_ACTIONS: Readonly<Record<WebhookEntity, readonly WebhookAction[]>> = {
  registered_model: ['created'],
  model_version: ['created'],
  model_version_tag: ['set', 'deleted'],
  model_version_alias: ['created', 'deleted'],
  prompt: ['created'],
  prompt_version: ['created'],
  prompt_tag: ['set', 'deleted'],
  prompt_version_tag: ['set', 'deleted'],
  prompt_alias: ['created', 'deleted'],
  budget_policy: ['exceeded'],
};

/** One event a webhook subscribes to, e.g. `{ entity: 'model_version', action: 'created' }`. */
export interface WebhookEvent {
  entity: WebhookEntity;
  action: WebhookAction;
}

/** `registered_model.created`: the event's name as MLflow writes it. */
export const eventName = (event: WebhookEvent): string => `${event.entity}.${event.action}`;

/** A registered webhook. Its secret is stored but never part of this shape. */
export interface Webhook {
  webhookId: string;
  name: string;
  description: string;
  url: string;
  events: WebhookEvent[];
  status: WebhookStatus;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
}

/** A webhook with its signing secret (empty: deliveries are not signed); never leaves core. */
export interface StoredWebhook extends Webhook {
  secret: string;
}

/** What `test_webhook` answers (MLflow's `WebhookTestResult`). */
export interface WebhookTestResult {
  success: boolean;
  responseStatus?: number;
  responseBody?: string;
  errorMessage?: string;
}

/** Fields of a new webhook. */
export interface CreateWebhookInput {
  name: string;
  url: string;
  events: WebhookEvent[];
  description?: string;
  secret?: string;
  status?: WebhookStatus;
}

/** Fields to change on a webhook; those left out stay as they are. */
export interface UpdateWebhookInput {
  name?: string;
  url?: string;
  events?: WebhookEvent[];
  description?: string;
  secret?: string;
  status?: WebhookStatus;
}
