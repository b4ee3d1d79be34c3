/**
 * MLflow's registry webhooks: registered over MLflow's REST API, told of the registry's changes,
 * delivered off the request path with MLflow's payloads, headers, HMAC signature and retries,
 * behind MLflow's SSRF rules (https only and public addresses only, unless its environment
 * variables allow more).
 */
export {
  WebhookService,
  WEBHOOK_PAGE,
  type WebhookServiceEvents,
  type WebhookTransport,
} from './service';
export { SqliteWebhookStore } from './sqliteStore';
export { DEFAULT_WEBHOOK_SETTINGS, webhookSettingsFromEnv, type WebhookSettings } from './settings';
export { parseWebhookEvent, parseWebhookEvents, parseWebhookStatus } from './validation';
export { signDelivery, WEBHOOK_HEADERS } from './signing';
export { isPublicAddress } from './ssrf';
export type { DeliveryOutcome } from './delivery';
export type {
  CreateWebhookInput,
  UpdateWebhookInput,
  Webhook,
  WebhookEvent,
  WebhookStatus,
  WebhookTestResult,
} from './model';
