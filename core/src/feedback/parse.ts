import { invalid } from '../model/errors';
import type { FeedbackItem } from './model';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Most items one request or file may carry. */
export const MAX_FEEDBACK_ITEMS = 1_000_000;

/** A time given as ms since the epoch, or an ISO 8601 text. */
export function parseTime(value: unknown, where: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  if (typeof value === 'string' && value.trim() !== '') {
    const text = value.trim();
    const parsed = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Date.parse(text);
    if (Number.isFinite(parsed)) return parsed;
  }
  throw invalid(
    `${where}: time must be ms since the epoch or an ISO 8601 time; got ${JSON.stringify(value)}`,
  );
}

/**
 * One feedback item from its wire form `{request_id, label | reward | value, time?}`.
 * @throws SextantError INVALID_PARAMETER_VALUE saying which field of which item is wrong.
 */
export function parseFeedbackItem(raw: unknown, where = 'feedback'): FeedbackItem {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw invalid(
      `${where}: send an object {"request_id": ..., "label" | "reward" | "value": ...}`,
    );
  }
  const o = raw as Record<string, unknown>;
  const known = new Set(['request_id', 'label', 'reward', 'value', 'time']);
  const extra = Object.keys(o).filter((k) => !known.has(k));
  if (extra.length > 0) {
    throw invalid(
      `${where}: unknown field ${extra.map((k) => `'${k}'`).join(', ')}; fields are request_id, label, reward, value, time`,
    );
  }
  const requestId = o.request_id;
  if (typeof requestId !== 'string' || !REQUEST_ID.test(requestId)) {
    throw invalid(
      `${where}: request_id must be the X-Request-Id of a served request (letters, digits, '.', '_', ':', '-'; at most 128)`,
    );
  }
  const given = (['label', 'reward', 'value'] as const).filter(
    (k) => o[k] !== undefined && o[k] !== null,
  );
  if (given.length !== 1) {
    throw invalid(
      `${where} (${requestId}): give exactly one of label, reward, value; got ${given.length === 0 ? 'none' : given.join(', ')}`,
    );
  }
  const kind = given[0]!;
  const item: FeedbackItem = { requestId, kind };
  if (kind === 'label') {
    const label = o.label;
    if (!(
      typeof label === 'string' ||
      typeof label === 'boolean' ||
      (typeof label === 'number' && Number.isFinite(label))
    )) {
      throw invalid(`${where} (${requestId}): label must be a string, a number or a boolean`);
    }
    item.label = String(label);
  } else {
    const value =
      typeof o[kind] === 'string' && (o[kind] as string).trim() !== '' ? Number(o[kind]) : o[kind];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw invalid(
        `${where} (${requestId}): ${kind} must be a finite number; got ${JSON.stringify(o[kind])}`,
      );
    }
    if (kind === 'reward' && !(value >= 0 && value <= 1)) {
      throw invalid(
        `${where} (${requestId}): reward must be in [0, 1]; got ${value} (send a continuous outcome as value)`,
      );
    }
    item.value = value;
  }
  if (o.time !== undefined && o.time !== null && o.time !== '')
    item.time = parseTime(o.time, `${where} (${requestId})`);
  return item;
}

/**
 * The feedback of a request body: one item, a list, or `{"feedback": [...]}`.
 * @throws SextantError INVALID_PARAMETER_VALUE for a body of another shape or any bad item
 *   (nothing is stored from a body with a bad item).
 */
export function parseFeedbackBody(body: unknown): FeedbackItem[] {
  const list = Array.isArray(body)
    ? body
    : typeof body === 'object' &&
        body !== null &&
        Array.isArray((body as { feedback?: unknown }).feedback)
      ? (body as { feedback: unknown[] }).feedback
      : [body];
  if (list.length === 0) throw invalid('the feedback list is empty');
  if (list.length > MAX_FEEDBACK_ITEMS) {
    throw invalid(`at most ${MAX_FEEDBACK_ITEMS} feedback items at once; got ${list.length}`);
  }
  return list.map((raw, i) =>
    parseFeedbackItem(raw, list.length > 1 || Array.isArray(body) ? `feedback[${i}]` : 'feedback'),
  );
}
