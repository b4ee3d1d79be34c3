import {
  type ExperimentAttribute,
  type ExperimentClause,
  type NumberTest,
  parseExperimentFilter,
  parseRunFilter,
  type RunAttribute,
  type RunClause,
  type Test,
} from './filter';
import { parseExperimentOrderBy, parseRunOrderBy, type RunOrderKey } from './orderBy';

/**
 * Compiles parsed search filters and orderings to SQLite SQL over Sextant's schema. Every literal
 * and key is a bound parameter; the SQL text only ever holds fixed column names and aliases.
 *
 * Param, tag and metric clauses are `r.run_pk IN (SELECT run_pk FROM <table> WHERE key = ? AND
 * <test>)`: the subquery reads the `(key, value, run_pk)` index and SQLite probes runs by rowid.
 */

/** SQL pieces for the store's runs query. */
export interface CompiledRunSearch {
  /** Extra joins for ordering, e.g. `LEFT JOIN metric_series o0 ON o0.run_pk = r.run_pk AND o0.key = ?`. */
  joins: string;
  /** A boolean SQL expression over alias `r`, '1' when the filter is empty. */
  where: string;
  /** ORDER BY body without the keyword; always ends with `r.start_time DESC, r.run_uuid ASC`. */
  orderBy: string;
  /** Bound parameters in the order they appear: joins first, then where. */
  params: unknown[];
}

/** SQL pieces for the store's experiments query, over alias `e`. */
export interface CompiledExperimentSearch {
  /** A boolean SQL expression over alias `e`, '1' when the filter is empty. */
  where: string;
  /** ORDER BY body without the keyword; ends with an `e.experiment_id` tie-breaker. */
  orderBy: string;
  /** Bound parameters of `where`, in order. */
  params: unknown[];
}

const RUN_COLUMNS: Record<RunAttribute, string> = {
  run_id: 'r.run_uuid',
  run_name: 'r.name',
  user_id: 'r.user_id',
  status: 'r.status',
  start_time: 'r.start_time',
  end_time: 'r.end_time',
  artifact_uri: 'r.artifact_uri',
  lifecycle_stage: 'r.lifecycle_stage',
};

const EXPERIMENT_COLUMNS: Record<ExperimentAttribute, string> = {
  name: 'e.name',
  experiment_id: 'e.experiment_id',
  creation_time: 'e.creation_time',
  last_update_time: 'e.last_update_time',
};

const KEY_VALUE_TABLES = { param: 'params', tag: 'tags' } as const;

/** The `mlflow.data.context` tag of a dataset input, stored in `run_inputs.tags` as JSON. */
const DATASET_CONTEXT_TAG = 'mlflow.data.context';

const GLOB_WILDCARDS: Readonly<Record<string, string>> = { '%': '*', _: '?' };

/** Turns a LIKE pattern into a GLOB one, which SQLite matches case-sensitively as MLflow does. */
export function likeToGlob(pattern: string): string {
  return pattern.replace(/[%_*?[]/g, (c) => GLOB_WILDCARDS[c] ?? `[${c}]`);
}

/** `column <test>` (runs, experiments and logged models alike) with the test's literals pushed onto `params`; presence tests are the caller's. */
export function testSql(
  column: string,
  test: Exclude<Test, { type: 'presence' }>,
  params: unknown[],
): string {
  if (test.type === 'list') {
    params.push(...test.values);
    return `${column} ${test.op} (${test.values.map(() => '?').join(', ')})`;
  }
  if (test.op === 'LIKE') {
    params.push(likeToGlob(test.value));
    return `${column} GLOB ?`;
  }
  if (test.op === 'ILIKE') {
    params.push(test.value);
    return `lower(${column}) LIKE lower(?)`;
  }
  params.push(test.value);
  return `${column} ${test.op} ?`;
}

const COMPARE: Record<NumberTest['op'], (a: number, b: number) => boolean> = {
  '=': (a, b) => a === b,
  '!=': (a, b) => a !== b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

/**
 * A metric test. A NaN metric satisfies only `!=`, as in Python. The store keeps NaN as value 0
 * with is_nan = 1, so `is_nan` needs reading only when a stored 0 would decide wrongly; leaving it
 * out otherwise keeps the `(key, value, run_pk)` index covering (a tenfold gain on 10k matches).
 */
function metricTestSql(test: NumberTest, params: unknown[]): string {
  params.push(test.value);
  const condition = `value ${test.op} ?`;
  const zeroPasses = COMPARE[test.op](0, test.value);
  if (test.op === '!=') return zeroPasses ? condition : `(${condition} OR is_nan = 1)`;
  return zeroPasses ? `${condition} AND is_nan = 0` : condition;
}

/** A compiled clause: a condition on `r`, or a query of the run_pks a run must (not) be among. */
interface Piece {
  kind: 'condition' | 'in' | 'notIn';
  sql: string;
  params: unknown[];
}

function runClausePiece(clause: RunClause): Piece {
  const params: unknown[] = [];
  switch (clause.kind) {
    case 'attribute':
      return {
        kind: 'condition',
        sql: testSql(RUN_COLUMNS[clause.name], clause.test, params),
        params,
      };
    case 'metric':
    case 'param':
    case 'tag': {
      const table = clause.kind === 'metric' ? 'metric_series' : KEY_VALUE_TABLES[clause.kind];
      params.push(clause.key);
      const test = clause.test;
      const runs = `SELECT run_pk FROM ${table} WHERE key = ?`;
      if (test.type === 'presence') {
        return { kind: test.op === 'IS NULL' ? 'notIn' : 'in', sql: runs, params };
      }
      const condition =
        test.type === 'number' ? metricTestSql(test, params) : testSql('value', test, params);
      return { kind: 'in', sql: `${runs} AND ${condition}`, params };
    }
    case 'dataset': {
      if (clause.field !== 'context') {
        const condition = testSql(`d.${clause.field}`, clause.test, params);
        const sql = `SELECT ri.run_pk FROM run_inputs ri JOIN datasets d ON d.dataset_pk = ri.dataset_pk WHERE ${condition}`;
        return { kind: 'in', sql, params };
      }
      params.push(DATASET_CONTEXT_TAG);
      const tag = (field: string): string =>
        `CASE WHEN t.type = 'object' THEN json_extract(t.value, '$.${field}') END`;
      const condition = testSql(tag('value'), clause.test, params);
      const sql =
        'SELECT ri.run_pk FROM run_inputs ri, ' +
        "json_each(CASE WHEN json_valid(ri.tags) THEN ri.tags ELSE '[]' END) t " +
        `WHERE ${tag('key')} = ? AND ${condition}`;
      return { kind: 'in', sql, params };
    }
  }
}

/**
 * ANDs the pieces: conditions first, then one `r.run_pk IN (a INTERSECT b ...)` for all positive
 * sets (SQLite merges the index-ordered sets, then seeks each surviving run by rowid: on 100k runs
 * about half the time of one IN per clause), then one NOT IN per absence test.
 */
function runWhere(pieces: Piece[], params: unknown[]): string {
  const parts: string[] = [];
  const add = (sql: string, of: Piece[]): void => {
    parts.push(sql);
    for (const piece of of) params.push(...piece.params);
  };
  for (const piece of pieces.filter((p) => p.kind === 'condition')) add(piece.sql, [piece]);
  const sets = pieces.filter((p) => p.kind === 'in');
  if (sets.length > 0) add(`r.run_pk IN (${sets.map((p) => p.sql).join(' INTERSECT ')})`, sets);
  for (const piece of pieces.filter((p) => p.kind === 'notIn')) {
    add(`r.run_pk NOT IN (${piece.sql})`, [piece]);
  }
  return conjunction(parts);
}

export function conjunction(parts: string[]): string {
  return parts.length === 0 ? '1' : parts.join(' AND ');
}

/** ORDER BY terms for one key; `joins` and `params` grow when the key needs its own join. */
function runOrderSql(key: RunOrderKey, index: number, joins: string[], params: unknown[]): string {
  const direction = key.ascending ? 'ASC' : 'DESC';
  if (key.kind === 'attribute') {
    const column = RUN_COLUMNS[key.name];
    return key.name === 'end_time'
      ? `${column} IS NULL, ${column} ${direction}`
      : `${column} ${direction}`;
  }
  const alias = `o${index}`;
  const table = key.kind === 'metric' ? 'metric_series' : KEY_VALUE_TABLES[key.kind];
  joins.push(`LEFT JOIN ${table} ${alias} ON ${alias}.run_pk = r.run_pk AND ${alias}.key = ?`);
  params.push(key.key);
  if (key.kind !== 'metric') return `${alias}.value IS NULL, ${alias}.value ${direction}`;
  const rank = `CASE WHEN ${alias}.run_pk IS NULL THEN 2 WHEN ${alias}.is_nan = 1 THEN 1 ELSE 0 END`;
  return `${rank}, ${alias}.value ${direction}`;
}

/**
 * Compiles a runs `filter_string` and `order_by` list. Runs missing an ordered metric, param or
 * tag come last in both directions, NaN metrics just before them (MLflow's order); ties fall back
 * to newest first, then run id. Throws INVALID_PARAMETER_VALUE on any invalid input.
 */
export function compileRunSearch(
  filter: string | undefined,
  orderBy: readonly string[] | undefined,
): CompiledRunSearch {
  const clauses = parseRunFilter(filter);
  const keys = parseRunOrderBy(orderBy);
  const joins: string[] = [];
  const params: unknown[] = [];
  const order = keys.map((key, i) => runOrderSql(key, i, joins, params));
  const where = runWhere(clauses.map(runClausePiece), params);
  order.push('r.start_time DESC', 'r.run_uuid ASC');
  return { joins: joins.join(' '), where, orderBy: order.join(', '), params };
}

function experimentClauseSql(clause: ExperimentClause, params: unknown[]): string {
  if (clause.kind === 'attribute')
    return testSql(EXPERIMENT_COLUMNS[clause.name], clause.test, params);
  params.push(clause.key);
  const test = clause.test;
  const subquery = 'SELECT experiment_id FROM experiment_tags WHERE key = ?';
  if (test.type === 'presence') {
    return `e.experiment_id ${test.op === 'IS NULL' ? 'NOT ' : ''}IN (${subquery})`;
  }
  return `e.experiment_id IN (${subquery} AND ${testSql('value', test, params)})`;
}

/**
 * Compiles an experiments `filter_string` and `order_by` list. The default order is
 * `creation_time DESC, experiment_id ASC`; otherwise `experiment_id DESC` breaks ties, as in MLflow.
 */
export function compileExperimentSearch(
  filter: string | undefined,
  orderBy: readonly string[] | undefined,
): CompiledExperimentSearch {
  const params: unknown[] = [];
  const where = conjunction(
    parseExperimentFilter(filter).map((c) => experimentClauseSql(c, params)),
  );
  const keys = parseExperimentOrderBy(orderBy);
  if (keys.length === 0) {
    return { where, orderBy: 'e.creation_time DESC, e.experiment_id ASC', params };
  }
  const order = keys.map((k) => `${EXPERIMENT_COLUMNS[k.name]} ${k.ascending ? 'ASC' : 'DESC'}`);
  if (!keys.some((k) => k.name === 'experiment_id')) order.push('e.experiment_id DESC');
  return { where, orderBy: order.join(', '), params };
}
