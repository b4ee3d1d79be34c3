import { invalid } from '../model/errors';
import {
  ENTITY_ACTIONS,
  WEBHOOK_ACTIONS,
  WEBHOOK_ENTITIES,
  type WebhookAction,
  type WebhookEntity,
  type WebhookEvent,
  type WebhookStatus,
} from './model';

const NAME = /^(?=.{1,63}$)[a-z0-9]([a-z0-9._-]*[a-z0-9])?$/i;

/** A webhook's name: 1-63 letters, digits, `.`, `_`, `-`, starting and ending alphanumeric. */
export function validateWebhookName(name: string): string {
  if (!NAME.test(name)) {
    throw invalid(
      `Webhook name '${name}' is invalid. It must start and end with a letter or digit, be less than 63 characters long, and contain only letters, digits, dots (.), underscores (_), and hyphens (-).`,
    );
  }
  return name;
}

/** Protobuf enum numbers of the entities and actions (as MLflow's webhooks.proto). */
const ENTITY_NUMBERS: readonly (WebhookEntity | undefined)[] = [undefined, ...WEBHOOK_ENTITIES];
const ACTION_NUMBERS: readonly (WebhookAction | undefined)[] = [undefined, ...WEBHOOK_ACTIONS];

function enumValue<T extends string>(
  value: unknown,
  names: readonly T[],
  numbers: readonly (T | undefined)[],
  what: string,
): T {
  if (typeof value === 'number' && Number.isInteger(value)) {
    const found = numbers[value];
    if (found) return found;
  }
  if (typeof value === 'string') {
    const lower = value.toLowerCase() as T;
    if (names.includes(lower) && value === value.toUpperCase()) return lower;
  }
  throw invalid(
    `Invalid value ${JSON.stringify(value)} for the webhook event's ${what}: use one of ${names
      .map((n) => n.toUpperCase())
      .join(', ')}.`,
  );
}

/** One event of a request (`{"entity": "MODEL_VERSION", "action": "CREATED"}`), checked. */
export function parseWebhookEvent(value: unknown): WebhookEvent {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(
      `Invalid webhook event ${JSON.stringify(value)}: expected an object with 'entity' and 'action'.`,
    );
  }
  const fields = value as Record<string, unknown>;
  const entity = enumValue(fields.entity, WEBHOOK_ENTITIES, ENTITY_NUMBERS, 'entity');
  const action = enumValue(fields.action, WEBHOOK_ACTIONS, ACTION_NUMBERS, 'action');
  const valid = ENTITY_ACTIONS[entity];
  if (!valid.includes(action)) {
    throw invalid(
      `Invalid action '${action}' for entity '${entity}'. Valid actions are: [${[...valid]
        .sort()
        .map((a) => `'${a}'`)
        .join(', ')}]`,
    );
  }
  return { entity, action };
}

/** A request's list of events: non-empty, each valid; repeats are kept once. */
export function parseWebhookEvents(value: unknown): WebhookEvent[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw invalid(
      `Webhook events must be a non-empty list of WebhookEvent objects: ${JSON.stringify(value ?? null)}.`,
    );
  }
  const seen = new Set<string>();
  return value.map(parseWebhookEvent).filter((e) => {
    const key = `${e.entity}.${e.action}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A request's status: `ACTIVE` or `DISABLED` (or their enum numbers 1, 2). */
export function parseWebhookStatus(value: unknown): WebhookStatus {
  if (value === 'ACTIVE' || value === 1) return 'ACTIVE';
  if (value === 'DISABLED' || value === 2) return 'DISABLED';
  throw invalid(
    `Invalid value ${JSON.stringify(value)} for parameter 'status' supplied: use ACTIVE or DISABLED.`,
  );
}
