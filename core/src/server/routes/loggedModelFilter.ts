import type { LoggedModel, LoggedModelMetric } from '../../model';
import { invalid } from '../../model/errors';

/** A `datasets` entry of SearchLoggedModels: metric clauses only look at points on these datasets. */
export interface DatasetFilter {
  datasetName: string;
  datasetDigest?: string;
}

/** What a clause or an order_by names: an attribute, or a metric, param or tag key. */
export interface ModelEntity {
  type: 'attribute' | 'metric' | 'param' | 'tag';
  key: string;
}

const ATTRIBUTE_ALIASES: Record<string, string> = {
  creation_time: 'creation_timestamp',
  creation_timestamp_ms: 'creation_timestamp',
  last_updated_timestamp_ms: 'last_updated_timestamp',
};
const NUMERIC_ATTRIBUTES = new Set(['creation_timestamp', 'last_updated_timestamp']);
const STRING_ATTRIBUTES = new Set([
  'name',
  'model_id',
  'model_type',
  'status',
  'source_run_id',
  'experiment_id',
]);
/** Whether `key` names a logged-model attribute that filters and order_by accept. */
export const isModelAttribute = (key: string): boolean =>
  NUMERIC_ATTRIBUTES.has(key) || STRING_ATTRIBUTES.has(key);
const ENTITY_TYPES: Record<string, ModelEntity['type']> = {
  attributes: 'attribute',
  metrics: 'metric',
  params: 'param',
  tags: 'tag',
};
const NUMERIC_OPS = new Set(['<', '<=', '>', '>=', '=', '!=']);
const STRING_OPS = new Set(['=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN']);

const CLAUSE =
  /^\s*((?:[a-z]+\.)?(?:`[^`]+`|[\w.\-/: ]+?))\s*(<=|>=|!=|=|<|>|NOT\s+IN|IN|ILIKE|LIKE)\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|\([^)]*\)|[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)\s*$/i;
const QUOTED = /'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"/g;

/** Parses `metrics.acc`, `tags.k`, `` params.`a b` `` or an attribute name (with MLflow's aliases). */
export function parseModelEntity(raw: string): ModelEntity {
  const text = raw.trim();
  const dot = /^([a-z]+)\.(.+)$/.exec(text);
  if (dot) {
    const type = ENTITY_TYPES[dot[1] as string];
    if (!type) {
      throw invalid(
        `Invalid entity type: '${dot[1]}'. Expected one of attributes, metrics, params, tags.`,
      );
    }
    return { type, key: (dot[2] as string).trim().replace(/^`(.*)`$/, '$1') };
  }
  const key = text.replace(/^`(.*)`$/, '$1');
  return { type: 'attribute', key: ATTRIBUTE_ALIASES[key] ?? key };
}

const isNumeric = (entity: ModelEntity): boolean =>
  entity.type === 'metric' || (entity.type === 'attribute' && NUMERIC_ATTRIBUTES.has(entity.key));

/** The value of an attribute; status compares without its `LOGGED_MODEL_` prefix. */
export function attributeOf(model: LoggedModel, key: string): string | number | undefined {
  const attributes: Record<string, string | number | undefined> = {
    name: model.name,
    model_id: model.modelId,
    model_type: model.modelType,
    status: model.status.replace(/^LOGGED_MODEL_/, ''),
    source_run_id: model.sourceRunId,
    experiment_id: model.experimentId,
    creation_timestamp: model.creationTimestampMs,
    last_updated_timestamp: model.lastUpdatedTimestampMs,
  };
  return attributes[key];
}

/** The string value an attribute, param or tag entity has on a model. */
function stringOf(model: LoggedModel, entity: ModelEntity): string | undefined {
  if (entity.type === 'tag') return model.tags.find((t) => t.key === entity.key)?.value;
  if (entity.type === 'param') return model.params.find((p) => p.key === entity.key)?.value;
  const value = attributeOf(model, entity.key);
  return value === undefined ? undefined : String(value);
}

/** The model's points of one metric, on the given datasets when there are any. */
export function metricPoints(
  model: LoggedModel,
  key: string,
  datasets: readonly DatasetFilter[],
): LoggedModelMetric[] {
  return model.metrics.filter(
    (m) =>
      m.key === key &&
      (datasets.length === 0 ||
        datasets.some(
          (d) =>
            m.datasetName === d.datasetName &&
            (d.datasetDigest === undefined || m.datasetDigest === d.datasetDigest),
        )),
  );
}

function likeToRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  const escaped = pattern
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/%/g, '.*')
    .replace(/_/g, '.');
  return new RegExp(`^${escaped}$`, caseInsensitive ? 'is' : 's');
}

function compareNumbers(actual: number, op: string, expected: number): boolean {
  if (Number.isNaN(actual)) return false;
  switch (op) {
    case '<':
      return actual < expected;
    case '<=':
      return actual <= expected;
    case '>':
      return actual > expected;
    case '>=':
      return actual >= expected;
    case '!=':
      return actual !== expected;
    default:
      return actual === expected;
  }
}

/** A string comparison; like SQL, a missing value matches nothing. */
function stringTest(op: string, value: string | string[]): (actual: string | undefined) => boolean {
  const list = Array.isArray(value) ? value : [value];
  const like =
    op === 'LIKE' || op === 'ILIKE' ? likeToRegExp(list[0] ?? '', op === 'ILIKE') : undefined;
  return (actual) => {
    if (actual === undefined) return false;
    if (like) return like.test(actual);
    if (op === 'IN') return list.includes(actual);
    if (op === 'NOT IN') return !list.includes(actual);
    return op === '=' ? actual === list[0] : actual !== list[0];
  };
}

const unquote = (text: string): string => text.replace(/\\(.)/g, '$1');

function parseValue(raw: string): string | string[] {
  if (raw.startsWith('(')) return [...raw.matchAll(QUOTED)].map((m) => unquote(m[1] ?? m[2] ?? ''));
  if (raw.startsWith("'") || raw.startsWith('"')) return unquote(raw.slice(1, -1));
  return raw;
}

/** Splits a filter on AND outside quotes and parentheses. */
function splitOnAnd(filter: string): string[] {
  const parts: string[] = [];
  const and = /\s+AND\s+/iy;
  let start = 0;
  let quote = '';
  for (let i = 0; i < filter.length; i++) {
    const c = filter[i] as string;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote || (quote === '(' && c === ')')) quote = '';
      continue;
    }
    if (c === "'" || c === '"' || c === '`' || c === '(') {
      quote = c;
      continue;
    }
    and.lastIndex = i;
    const found = and.exec(filter);
    if (found) {
      parts.push(filter.slice(start, i));
      start = i + found[0].length;
      i = start - 1;
    }
  }
  parts.push(filter.slice(start));
  return parts;
}

function clauseTest(
  clause: string,
  datasets: readonly DatasetFilter[],
): (model: LoggedModel) => boolean {
  const match = CLAUSE.exec(clause);
  if (!match) {
    throw invalid(
      `Invalid logged model filter clause '${clause.trim()}': use <attribute|metrics.<k>|params.<k>|tags.<k>> ` +
        '<op> <value> joined by AND, e.g. "metrics.accuracy > 0.9 AND params.lr = \'0.01\'".',
    );
  }
  const [, rawEntity = '', rawOp = '', rawValue = ''] = match;
  const entity = parseModelEntity(rawEntity);
  const op = rawOp.toUpperCase().replace(/\s+/g, ' ');
  if (entity.type === 'attribute' && !isModelAttribute(entity.key)) {
    throw invalid(
      `Invalid logged model attribute '${entity.key}' in filter clause '${clause.trim()}'.`,
    );
  }
  const ops = isNumeric(entity) ? NUMERIC_OPS : STRING_OPS;
  if (!ops.has(op)) {
    throw invalid(
      `Invalid comparison operator for ${rawEntity.trim()}: '${op}'. Expected one of ${[...ops].join(', ')}.`,
    );
  }
  const value = parseValue(rawValue);
  if (!isNumeric(entity)) {
    const test = stringTest(
      op,
      entity.key === 'status' && typeof value === 'string'
        ? value.replace(/^LOGGED_MODEL_/, '')
        : value,
    );
    return (model) => test(stringOf(model, entity));
  }
  const expected = typeof value === 'string' ? Number(value) : NaN;
  if (Number.isNaN(expected))
    throw invalid(
      `Invalid filter clause '${clause.trim()}': expected a number for ${rawEntity.trim()}.`,
    );
  if (entity.type === 'attribute') {
    return (model) => compareNumbers(attributeOf(model, entity.key) as number, op, expected);
  }
  return (model) =>
    metricPoints(model, entity.key, datasets).some((m) => compareNumbers(m.value, op, expected));
}

/**
 * MLflow's logged-model filter grammar: clauses `<entity> <op> <value>` joined by AND, where the
 * entity is an attribute (name, model_id, model_type, status, source_run_id, creation_time,
 * last_updated_timestamp), `metrics.<k>` (numeric ops; any point matches, on `datasets` if given),
 * `params.<k>` or `tags.<k>` (=, !=, LIKE, ILIKE, IN, NOT IN).
 */
export function loggedModelMatcher(
  filter: string | undefined,
  datasets: readonly DatasetFilter[] = [],
): (model: LoggedModel) => boolean {
  if (!filter || filter.trim() === '') return () => true;
  const tests = splitOnAnd(filter).map((clause) => clauseTest(clause, datasets));
  return (model) => tests.every((test) => test(model));
}
