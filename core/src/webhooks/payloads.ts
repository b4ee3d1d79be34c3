import type { KeyValue } from '../model';
import type { RegistryChange, RegistryChangeDetail } from '../registry';
import type { WebhookEvent } from './model';

/** What is announced: the event and its `data`, with MLflow's field names and order. */
export interface Announcement {
  event: WebhookEvent;
  data: Record<string, unknown>;
}

/** MLflow's tags marking a registered model as a prompt, and holding a prompt version's text. */
const IS_PROMPT = 'mlflow.prompt.is_prompt';
const PROMPT_TYPE = '_mlflow_prompt_type';
const PROMPT_TEXT = 'mlflow.prompt.text';

/** Whether tags mark a registered model as a prompt (the last value of the tag wins, as MLflow). */
export function isPromptTags(tags: readonly KeyValue[]): boolean {
  const value = tags.filter((t) => t.key === IS_PROMPT).pop()?.value ?? 'false';
  return value.toLowerCase() === 'true';
}

const tagObject = (tags: readonly KeyValue[], leaveOut: readonly string[] = []) =>
  Object.fromEntries(tags.filter((t) => !leaveOut.includes(t.key)).map((t) => [t.key, t.value]));

/** The two events a change may be (as a model, as a prompt); none when MLflow announces nothing. */
export function candidateEvents(detail: RegistryChangeDetail): WebhookEvent[] {
  switch (detail.kind) {
    case 'model.created':
      return [
        { entity: 'registered_model', action: 'created' },
        { entity: 'prompt', action: 'created' },
      ];
    case 'version.created':
      return [
        { entity: 'model_version', action: 'created' },
        { entity: 'prompt_version', action: 'created' },
      ];
    case 'model.tag.set':
      return [{ entity: 'prompt_tag', action: 'set' }];
    case 'model.tag.deleted':
      return [{ entity: 'prompt_tag', action: 'deleted' }];
    case 'version.tag.set':
      return [
        { entity: 'model_version_tag', action: 'set' },
        { entity: 'prompt_version_tag', action: 'set' },
      ];
    case 'version.tag.deleted':
      return [
        { entity: 'model_version_tag', action: 'deleted' },
        { entity: 'prompt_version_tag', action: 'deleted' },
      ];
    case 'alias.set':
      return [
        { entity: 'model_version_alias', action: 'created' },
        { entity: 'prompt_alias', action: 'created' },
      ];
    case 'alias.deleted':
      return [
        { entity: 'model_version_alias', action: 'deleted' },
        { entity: 'prompt_alias', action: 'deleted' },
      ];
  }
}

/**
 * The announcement of a registry change, as MLflow's server makes it: the prompt event when the
 * model is a prompt, the model event otherwise (a model's own tags are announced for prompts only).
 */
export function announcementOf(
  change: RegistryChange & { detail: RegistryChangeDetail },
  isPrompt: boolean,
): Announcement | undefined {
  const { name, detail } = change;
  const [asModel, asPrompt] = candidateEvents(detail);
  const event = isPrompt
    ? (asPrompt ?? asModel)
    : detail.kind.startsWith('model.tag')
      ? undefined
      : asModel;
  if (!event) return undefined;
  switch (detail.kind) {
    case 'model.created':
      return {
        event,
        data: {
          name,
          tags: isPrompt
            ? tagObject(detail.tags, [IS_PROMPT, PROMPT_TYPE])
            : tagObject(detail.tags),
          description: detail.description,
        },
      };
    case 'version.created':
      if (isPrompt) {
        return {
          event,
          data: {
            name,
            version: detail.version,
            template: detail.tags.filter((t) => t.key === PROMPT_TEXT).pop()?.value ?? null,
            tags: tagObject(detail.tags, [IS_PROMPT, PROMPT_TYPE, PROMPT_TEXT]),
            description: detail.description || null,
          },
        };
      }
      return {
        event,
        data: {
          name,
          version: detail.version,
          source: detail.source,
          run_id: detail.runId || null,
          tags: tagObject(detail.tags),
          description: detail.description || null,
        },
      };
    case 'model.tag.set':
      return { event, data: { name, key: detail.key, value: detail.value } };
    case 'model.tag.deleted':
      return { event, data: { name, key: detail.key } };
    case 'version.tag.set':
      return {
        event,
        data: { name, version: detail.version, key: detail.key, value: detail.value },
      };
    case 'version.tag.deleted':
      return { event, data: { name, version: detail.version, key: detail.key } };
    case 'alias.set':
      return { event, data: { name, alias: detail.alias, version: detail.version } };
    case 'alias.deleted':
      return { event, data: { name, alias: detail.alias } };
  }
}

/** The example `data` MLflow sends for each event when a webhook is tested. */
export function examplePayload(event: WebhookEvent): Record<string, unknown> {
  const tags = { example_key: 'example_value' };
  switch (`${event.entity}.${event.action}`) {
    case 'registered_model.created':
      return { name: 'example_model', tags, description: 'An example registered model' };
    case 'model_version.created':
      return {
        name: 'example_model',
        version: '1',
        source: 'models:/123',
        run_id: 'abcd1234abcd5678',
        tags,
        description: 'An example model version',
      };
    case 'model_version_tag.set':
      return { name: 'example_model', version: '1', key: 'example_key', value: 'example_value' };
    case 'model_version_tag.deleted':
      return { name: 'example_model', version: '1', key: 'example_key' };
    case 'model_version_alias.created':
      return { name: 'example_model', alias: 'example_alias', version: '1' };
    case 'model_version_alias.deleted':
      return { name: 'example_model', alias: 'example_alias' };
    case 'prompt.created':
      return { name: 'example_prompt', tags, description: 'An example prompt' };
    case 'prompt_version.created':
      return {
        name: 'example_prompt',
        version: '1',
        template: 'Hello {{name}}!',
        tags,
        description: 'An example prompt version',
      };
    case 'prompt_tag.set':
      return { name: 'example_prompt', key: 'example_key', value: 'example_value' };
    case 'prompt_tag.deleted':
      return { name: 'example_prompt', key: 'example_key' };
    case 'prompt_version_tag.set':
      return { name: 'example_prompt', version: '1', key: 'example_key', value: 'example_value' };
    case 'prompt_version_tag.deleted':
      return { name: 'example_prompt', version: '1', key: 'example_key' };
    case 'prompt_alias.created':
      return { name: 'example_prompt', alias: 'example_alias', version: '1' };
    case 'prompt_alias.deleted':
      return { name: 'example_prompt', alias: 'example_alias' };
    default:
      return {
        budget_policy_id: 'bp-abc123',
        budget_unit: 'USD',
        budget_amount: 100.0,
        current_spend: 105.5,
        duration_unit: 'MONTHS',
        duration_value: 1,
        target_scope: 'ENDPOINT',
        workspace: 'default',
        target_value: 'ep-abc123',
        window_start: 1704067200000,
      };
  }
}

/**
 * JSON written as Python's `json.dumps` writes it (`", "` and `": "` separators, every character
 * outside printable ASCII escaped), so a body is byte for byte what MLflow's server would send.
 */
export function pythonJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') {
    return JSON.stringify(value).replace(
      /[\u007f-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  }
  if (typeof value === 'number') {
    return Number.isInteger(value) && !Object.is(value, -0) ? String(value) : pythonFloat(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>);
  return `{${entries.map(([k, v]) => `${pythonJson(k)}: ${pythonJson(v)}`).join(', ')}}`;
}

function pythonFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  const text = String(value);
  return /[.e]/.test(text) ? text.replace(/e([+-])(\d)$/, 'e$10$2') : `${text}.0`;
}

/** Python's `datetime.now(timezone.utc).isoformat()` for a time in ms. */
export function pythonUtcIso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000+00:00');
}

/** A delivery's body: MLflow's envelope around the event's data. */
export function deliveryBody(announcement: Announcement, now: number): string {
  return pythonJson({
    entity: announcement.event.entity,
    action: announcement.event.action,
    timestamp: pythonUtcIso(now),
    data: announcement.data,
  });
}
