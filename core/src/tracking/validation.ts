import type { KeyValue, Metric } from '../model';
import { invalid } from '../model/errors';

/** MLflow's limits, so clients that pass MLflow's checks pass Sextant's and vice versa. */
export const LIMITS = {
  metricsPerBatch: 1000,
  paramsPerBatch: 100,
  tagsPerBatch: 100,
  entitiesPerBatch: 1000,
  keyLength: 250,
  paramValueLength: 6000,
  tagValueLength: 8000,
  experimentNameLength: 500,
  runNameLength: 500,
} as const;

const KEY_PATTERN = /^[\w\-./ :]+$/u;

/** Keys that passed {@link validateKey}: a batch repeats a few keys a thousand times. */
const knownGoodKeys = new Set<string>();

/** Checks a metric/param/tag key: MLflow's characters, no path tricks, bounded length. */
export function validateKey(kind: 'metric' | 'param' | 'tag', key: unknown): string {
  if (typeof key === 'string' && knownGoodKeys.has(key)) return key;
  if (key !== undefined && key !== null && typeof key !== 'string') {
    throw invalid(
      `Invalid value ${JSON.stringify(key)} for parameter 'key' supplied: the ${kind} key must be a string.`,
    );
  }
  if (typeof key !== 'string' || key.length === 0) {
    throw invalid(`Missing value for required parameter 'key' of a ${kind}.`);
  }
  if (key.length > LIMITS.keyLength) {
    throw invalid(
      `${kind} name '${key.slice(0, 40)}...' had length ${key.length}, which exceeded length limit of ${LIMITS.keyLength}`,
    );
  }
  if (!KEY_PATTERN.test(key) || key.startsWith('/') || key.split('/').includes('..')) {
    throw invalid(
      `Invalid ${kind} name: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), ` +
        'periods (.), spaces ( ), colons (:) and slashes (/), and may not be or contain a relative path like ".."',
    );
  }
  if (knownGoodKeys.size >= 10_000) knownGoodKeys.clear();
  knownGoodKeys.add(key);
  return key;
}

/** A param or tag value; longer than `limit` is cut to `limit`, as MLflow's server does by default. */
function validateValue(kind: 'param' | 'tag', key: string, value: unknown, limit: number): string {
  if (value === null || value === undefined)
    throw invalid(`Missing value for required parameter 'value' of ${kind} '${key}'.`);
  if (typeof value === 'object') {
    throw invalid(
      `Invalid value for ${kind} '${key}': expected a string, got ${Array.isArray(value) ? 'a list' : 'an object'}.`,
    );
  }
  const text = String(value);
  return text.length > limit ? text.slice(0, limit) : text;
}

export const validateParam = (p: { key?: unknown; value?: unknown }): KeyValue => {
  const key = validateKey('param', p.key);
  return { key, value: validateValue('param', key, p.value, LIMITS.paramValueLength) };
};

export const validateTag = (t: { key?: unknown; value?: unknown }): KeyValue => {
  const key = validateKey('tag', t.key);
  return { key, value: validateValue('tag', key, t.value, LIMITS.tagValueLength) };
};

/** Parses a JSON number as MLflow sends it: numbers, or the strings "NaN", "Infinity", "-Infinity". */
export function toNumber(raw: unknown, what: string, detail = ''): number {
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'string' && raw.trim() !== '') {
    if (raw === 'NaN') return NaN;
    if (raw === 'Infinity' || raw === 'inf') return Infinity;
    if (raw === '-Infinity' || raw === '-inf') return -Infinity;
    const n = Number(raw);
    if (!Number.isNaN(n)) return n;
  }
  throw invalid(
    `Invalid value ${JSON.stringify(raw)} for ${what} supplied: expected a number${detail}.`,
  );
}

/** Parses an int64 field, sent by MLflow clients as a JSON number or a decimal string. */
export function toInteger(raw: unknown, what: string, fallback?: number, detail = ''): number {
  if ((raw === undefined || raw === null) && fallback !== undefined) return fallback;
  const n = typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : raw;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) {
    throw invalid(
      `Invalid value ${JSON.stringify(raw)} for ${what} supplied: expected an integer${detail}.`,
    );
  }
  return n;
}

export const validateMetric = (m: {
  key?: unknown;
  value?: unknown;
  timestamp?: unknown;
  step?: unknown;
}): Metric => {
  const key = validateKey('metric', m.key);
  if (m.value === undefined || m.value === null)
    throw invalid(`Missing value for required parameter 'value' of metric '${key}'.`);
  return {
    key,
    value: toNumber(m.value, "parameter 'value'", ` (metric '${key}')`),
    timestamp: toInteger(m.timestamp, "parameter 'timestamp'", Date.now(), ` (metric '${key}')`),
    step: toInteger(m.step, "parameter 'step'", 0, ` (metric '${key}')`),
  };
};

/** Enforces MLflow's per-request batch limits with MLflow's wording. */
export function validateBatchSize(metrics: number, params: number, tags: number): void {
  if (metrics > LIMITS.metricsPerBatch) {
    throw invalid(
      `A batch logging request can contain at most ${LIMITS.metricsPerBatch} metrics. Got ${metrics} metrics. Please split up metrics across multiple requests and try again.`,
    );
  }
  if (params > LIMITS.paramsPerBatch) {
    throw invalid(
      `A batch logging request can contain at most ${LIMITS.paramsPerBatch} params. Got ${params} params. Please split up params across multiple requests and try again.`,
    );
  }
  if (tags > LIMITS.tagsPerBatch) {
    throw invalid(
      `A batch logging request can contain at most ${LIMITS.tagsPerBatch} tags. Got ${tags} tags. Please split up tags across multiple requests and try again.`,
    );
  }
  if (metrics + params + tags > LIMITS.entitiesPerBatch) {
    throw invalid(
      `A batch logging request can contain at most ${LIMITS.entitiesPerBatch} metrics, params and tags in total. Got ${metrics + params + tags}.`,
    );
  }
}

/** Duplicate keys within one batch: params must agree, as MLflow checks. */
export function checkDuplicateParams(params: KeyValue[]): KeyValue[] {
  const seen = new Map<string, string>();
  const out: KeyValue[] = [];
  for (const p of params) {
    const previous = seen.get(p.key);
    if (previous === undefined) {
      seen.set(p.key, p.value);
      out.push(p);
    } else if (previous !== p.value) {
      throw invalid(
        `Duplicate parameter keys have been submitted: '${p.key}' with different values '${previous}' and '${p.value}'.`,
      );
    }
  }
  return out;
}
