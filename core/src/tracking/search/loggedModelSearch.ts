import { invalid } from '../../model/errors';
import {
  attributeOf,
  entityOf,
  LOGGED_MODEL_ATTRIBUTES,
  parseLoggedModelFilter,
  tokenize,
  type LoggedModelAttribute,
  type LoggedModelClause,
  type NumberTest,
} from './filter';
import { conjunction, testSql } from './sql';

/**
 * Compiles SearchLoggedModels (its `filter`, `datasets` and `order_by`) to SQLite SQL over alias
 * `m` of `logged_models`, with the grammar runs use (`filter.ts`). Every literal and key is a
 * bound parameter.
 */

/** A `datasets` entry of SearchLoggedModels: metric clauses only look at points on these. */
export interface DatasetFilter {
  datasetName: string;
  datasetDigest?: string;
}

/** One `order_by` entry of SearchLoggedModels. */
export interface LoggedModelOrder {
  fieldName: string;
  ascending: boolean;
  datasetName?: string;
  datasetDigest?: string;
}

/** SQL pieces for the store's logged-models query. */
export interface CompiledLoggedModelSearch {
  /** A boolean SQL expression over alias `m`, '1' when nothing filters. */
  where: string;
  /** ORDER BY body without the keyword; ends with `m.model_id ASC` unless ordered by it. */
  orderBy: string;
  /** Bound parameters: those of `where`, then those of `orderBy`. */
  params: unknown[];
}

/** Status compares without MLflow's `LOGGED_MODEL_` prefix, on both sides. */
const STATUS_PREFIX = 'LOGGED_MODEL_';
const STATUS = `CASE WHEN substr(m.status, 1, ${STATUS_PREFIX.length}) = '${STATUS_PREFIX}' THEN substr(m.status, ${STATUS_PREFIX.length + 1}) ELSE m.status END`;

const COLUMNS: Record<LoggedModelAttribute, string> = {
  name: 'm.name',
  model_id: 'm.model_id',
  model_type: 'm.model_type',
  status: STATUS,
  source_run_id: 'm.source_run_id',
  experiment_id: 'CAST(m.experiment_id AS TEXT)',
  creation_timestamp: 'm.creation_time',
  last_updated_timestamp: 'm.last_update_time',
};

const KEY_VALUE_TABLES = { param: 'logged_model_params', tag: 'logged_model_tags' } as const;

const stripStatus = (value: string): string =>
  value.startsWith(STATUS_PREFIX) ? value.slice(STATUS_PREFIX.length) : value;

/** `AND (<point is on one of the datasets>)`, or nothing when no dataset is given. */
function onDatasets(datasets: readonly DatasetFilter[], params: unknown[]): string {
  if (datasets.length === 0) return '';
  const each = datasets.map((d) => {
    params.push(d.datasetName);
    if (d.datasetDigest === undefined) return 'dataset_name = ?';
    params.push(d.datasetDigest);
    return '(dataset_name = ? AND dataset_digest = ?)';
  });
  return ` AND (${each.join(' OR ')})`;
}

/** A metric test: any point of the metric (on the datasets) passes it; a NaN point never does. */
function metricSql(
  key: string,
  test: NumberTest,
  datasets: readonly DatasetFilter[],
  params: unknown[],
): string {
  params.push(key);
  const on = onDatasets(datasets, params);
  params.push(test.value);
  return `m.model_id IN (SELECT model_id FROM logged_model_metrics WHERE key = ?${on} AND is_nan = 0 AND value ${test.op} ?)`;
}

function clauseSql(
  clause: LoggedModelClause,
  datasets: readonly DatasetFilter[],
  params: unknown[],
): string {
  if (clause.kind === 'attribute') {
    const test =
      clause.name !== 'status' || clause.test.type === 'number'
        ? clause.test
        : clause.test.type === 'list'
          ? { ...clause.test, values: clause.test.values.map(stripStatus) }
          : { ...clause.test, value: stripStatus(clause.test.value) };
    return testSql(COLUMNS[clause.name], test, params);
  }
  const test = clause.test;
  if (clause.kind === 'metric' && test.type === 'number') {
    return metricSql(clause.key, test, datasets, params);
  }
  const table = clause.kind === 'metric' ? 'logged_model_metrics' : KEY_VALUE_TABLES[clause.kind];
  params.push(clause.key);
  const models = `SELECT model_id FROM ${table} WHERE key = ?`;
  if (test.type === 'presence') {
    return `m.model_id ${test.op === 'IS NULL' ? 'NOT ' : ''}IN (${models})`;
  }
  if (test.type === 'number') throw new Error('unreachable: a number test of a text entity');
  return `m.model_id IN (${models} AND ${testSql('value', test, params)})`;
}

/** What an `order_by` field names: an attribute, or a metric by its latest value. */
type OrderKey = { kind: 'attribute'; name: LoggedModelAttribute } | { kind: 'metric'; key: string };

function orderKeyOf(fieldName: string): OrderKey {
  const fail = (why = ''): Error => invalid(`Invalid order by field name: ${fieldName}${why}`);
  const tokens = tokenize(fieldName, 'order_by field name');
  const [token, extra] = tokens;
  if (token?.t !== 'ident' || extra) throw fail();
  const identifier = { prefix: token.prefix, key: token.key, text: fieldName };
  const entity = entityOf(identifier, ['attribute', 'metric', 'param', 'tag'], 'order_by');
  if (entity === 'metric') return { kind: 'metric', key: token.key };
  if (entity !== 'attribute') throw fail('. Only metrics are supported.');
  if (!Object.hasOwn(LOGGED_MODEL_ATTRIBUTES, token.key)) throw fail();
  return { kind: 'attribute', name: attributeOf(LOGGED_MODEL_ATTRIBUTES, identifier).name };
}

/**
 * ORDER BY terms of one entry: an attribute, or a metric's latest point (by timestamp, then
 * step) on the entry's dataset; a model missing the value (or whose latest point is NaN) comes
 * last whatever the direction.
 */
function orderSql(order: LoggedModelOrder, key: OrderKey, params: unknown[]): string {
  const direction = order.ascending ? 'ASC' : 'DESC';
  if (key.kind === 'attribute') {
    const column = COLUMNS[key.name];
    return `${column} IS NULL, ${column} ${direction}`;
  }
  // The latest value, bound once for each of the two terms that read it.
  const latest = (): string => {
    params.push(key.key);
    const on = order.datasetName
      ? onDatasets(
          [
            {
              datasetName: order.datasetName,
              ...(order.datasetDigest ? { datasetDigest: order.datasetDigest } : {}),
            },
          ],
          params,
        )
      : '';
    return (
      '(SELECT CASE WHEN is_nan = 1 THEN NULL ELSE value END FROM logged_model_metrics ' +
      `WHERE model_id = m.model_id AND key = ?${on} ORDER BY timestamp DESC, step DESC, value, is_nan LIMIT 1)`
    );
  };
  const missing = `${latest()} IS NULL`;
  return `${missing}, ${latest()} ${direction}`;
}

/**
 * Compiles a logged-models search: the filter's clauses (metrics on `datasets` when given, and
 * then only models with a metric point on one of the datasets),
 * and `orderBy` then creation time descending and model id ascending unless already named.
 * Throws INVALID_PARAMETER_VALUE on any invalid input.
 */
export function compileLoggedModelSearch(
  filter: string | undefined,
  datasets: readonly DatasetFilter[] = [],
  orderBy: readonly LoggedModelOrder[] = [],
): CompiledLoggedModelSearch {
  const params: unknown[] = [];
  const clauses = parseLoggedModelFilter(filter).map((clause) =>
    clauseSql(clause, datasets, params),
  );
  // As MLflow: with `datasets`, only models with a metric point on one of them are found.
  if (datasets.length > 0) {
    clauses.push(
      `EXISTS (SELECT 1 FROM logged_model_metrics WHERE model_id = m.model_id${onDatasets(datasets, params)})`,
    );
  }
  const where = conjunction(clauses);
  const keys = orderBy.map((order) => orderKeyOf(order.fieldName));
  const named = (name: LoggedModelAttribute): boolean =>
    keys.some((k) => k.kind === 'attribute' && k.name === name);
  const order = orderBy.map((entry, i) => orderSql(entry, keys[i] as OrderKey, params));
  if (!named('creation_timestamp')) order.push('m.creation_time DESC');
  if (!named('model_id')) order.push('m.model_id ASC');
  return { where, orderBy: order.join(', '), params };
}
