import {
  conjunction,
  parseAttributeOrderBy,
  parseAttributeTagFilter,
  testSql,
  type AttributeTagClause,
} from '../tracking';

/**
 * MLflow's registry search grammar compiled to SQL over the registry tables: registered models by
 * `name` and `tags.<key>`; model versions by `name`, `version_number`, `run_id`, `source_path`,
 * `model_id`, `current_stage` and `tags.<key>`. Every literal and key is a bound parameter.
 */

type ModelAttribute = 'name' | 'creation_timestamp' | 'last_updated_timestamp';
type VersionAttribute =
  | 'name'
  | 'version_number'
  | 'run_id'
  | 'source_path'
  | 'model_id'
  | 'current_stage'
  | 'creation_timestamp'
  | 'last_updated_timestamp';

const MODEL_FILTER_ATTRIBUTES: Readonly<
  Record<string, { name: ModelAttribute; numeric: boolean }>
> = {
  name: { name: 'name', numeric: false },
};

const VERSION_FILTER_ATTRIBUTES: Readonly<
  Record<string, { name: VersionAttribute; numeric: boolean }>
> = {
  name: { name: 'name', numeric: false },
  version_number: { name: 'version_number', numeric: true },
  version: { name: 'version_number', numeric: true },
  run_id: { name: 'run_id', numeric: false },
  source_path: { name: 'source_path', numeric: false },
  source: { name: 'source_path', numeric: false },
  model_id: { name: 'model_id', numeric: false },
  current_stage: { name: 'current_stage', numeric: false },
};

const MODEL_ORDER: Readonly<Record<string, ModelAttribute>> = {
  name: 'name',
  timestamp: 'creation_timestamp',
  creation_timestamp: 'creation_timestamp',
  last_updated_timestamp: 'last_updated_timestamp',
};

const VERSION_ORDER: Readonly<Record<string, VersionAttribute>> = {
  name: 'name',
  version_number: 'version_number',
  creation_timestamp: 'creation_timestamp',
  timestamp: 'creation_timestamp',
  last_updated_timestamp: 'last_updated_timestamp',
};

const MODEL_COLUMNS: Record<ModelAttribute, string> = {
  name: 'm.name',
  creation_timestamp: 'm.creation_time',
  last_updated_timestamp: 'm.last_update_time',
};

const VERSION_COLUMNS: Record<VersionAttribute, string> = {
  name: 'm.name',
  version_number: 'v.version',
  run_id: 'v.run_id',
  source_path: 'v.source',
  model_id: 'v.model_id',
  current_stage: 'v.current_stage',
  creation_timestamp: 'v.creation_time',
  last_updated_timestamp: 'v.last_update_time',
};

/** The tag MLflow marks prompts with; prompts live in the registry but searches leave them out. */
export const PROMPT_TAG = 'mlflow.prompt.is_prompt';

/**
 * MLflow's prompt rule: a search returns prompts only when it asks for them
 * (`tags.\`mlflow.prompt.is_prompt\` = 'true'` or `!= 'false'`), else only models; the client
 * adds `!= 'true'` to every search, which must not drop models that lack the tag.
 */
function splitPromptClause<A extends string>(
  clauses: AttributeTagClause<A>[],
): { rest: AttributeTagClause<A>[]; prompts: boolean } {
  let prompts = false;
  const rest = clauses.filter((c) => {
    if (c.kind !== 'tag' || c.key !== PROMPT_TAG) return true;
    const t = c.test;
    if (t.type === 'string') {
      const value = t.value.toLowerCase();
      prompts = (t.op === '=' && value === 'true') || (t.op === '!=' && value === 'false');
    }
    return false;
  });
  return { rest, prompts };
}

/** A compiled search: a WHERE expression, an ORDER BY body, and the bound parameters of WHERE. */
export interface CompiledSearch {
  where: string;
  orderBy: string;
  params: unknown[];
}

function clauseSql<A extends string>(
  clause: AttributeTagClause<A>,
  columns: Record<A, string>,
  tags: { table: string; key: string; outer: string },
  params: unknown[],
): string {
  if (clause.kind === 'attribute') return testSql(columns[clause.name], clause.test, params);
  // A lookup by the tag table's (owner, key) primary key for each candidate row: registry
  // searches mostly narrow by name first, so this beats listing every row with the tag.
  params.push(clause.key);
  const lookup = `SELECT 1 FROM ${tags.table} t WHERE t.${tags.key} = ${tags.outer} AND t.key = ?`;
  if (clause.test.type === 'presence') {
    return `${clause.test.op === 'IS NULL' ? 'NOT ' : ''}EXISTS (${lookup})`;
  }
  return `EXISTS (${lookup} AND ${testSql('t.value', clause.test, params)})`;
}

/** Registered models (alias `m`): default order `name ASC`, as MLflow's. */
export function compileModelSearch(
  filter: string | undefined,
  orderBy: readonly string[] | undefined,
): CompiledSearch {
  const params: unknown[] = [];
  const tags = { table: 'registered_model_tags', key: 'model_pk', outer: 'm.model_pk' };
  const { rest, prompts } = splitPromptClause(
    parseAttributeTagFilter(filter, MODEL_FILTER_ATTRIBUTES),
  );
  const parts = rest.map((c) => clauseSql(c, MODEL_COLUMNS, tags, params));
  params.push(PROMPT_TAG);
  parts.push(
    `m.model_pk ${prompts ? '' : 'NOT '}IN (SELECT model_pk FROM registered_model_tags WHERE key = ? AND lower(value) = 'true')`,
  );
  const where = conjunction(parts);
  const keys = parseAttributeOrderBy(orderBy, MODEL_ORDER);
  const order = keys.map((k) => `${MODEL_COLUMNS[k.name]} ${k.ascending ? 'ASC' : 'DESC'}`);
  if (!keys.some((k) => k.name === 'name')) order.push('m.name ASC');
  return { where, orderBy: order.join(', '), params };
}

/** Whether the clauses name one model (`name = '...'`), the usual version search. */
function pinsOneModel(clauses: AttributeTagClause<VersionAttribute>[]): boolean {
  return clauses.some(
    (c) =>
      c.kind === 'attribute' && c.name === 'name' && c.test.type === 'string' && c.test.op === '=',
  );
}

/**
 * A model is a prompt when it, or any of its versions, carries the prompt tag set to `true`.
 * For a search over many models: the prompt models listed once, each row checked against the list.
 */
const promptModelList = (prompts: boolean): string =>
  `v.model_pk ${prompts ? '' : 'NOT '}IN (SELECT model_pk FROM registered_model_tags WHERE key = ? AND lower(value) = 'true'
     UNION SELECT pv.model_pk FROM model_version_tags pt JOIN model_versions pv ON pv.version_pk = pt.version_pk
      WHERE pt.key = ? AND lower(pt.value) = 'true')`;

/**
 * The same test for a search that names its model: asked of that model (`m`) alone, by its keys,
 * so SQLite checks it once before reading versions, instead of building the list of every prompt
 * model (a temporary table) on each call.
 */
const promptModelTest = (prompts: boolean): string =>
  `${prompts ? '' : 'NOT '}(EXISTS (SELECT 1 FROM registered_model_tags pm
      WHERE pm.model_pk = m.model_pk AND pm.key = ? AND lower(pm.value) = 'true')
    OR EXISTS (SELECT 1 FROM model_versions pv JOIN model_version_tags pt ON pt.version_pk = pv.version_pk
      WHERE pv.model_pk = m.model_pk AND pt.key = ? AND lower(pt.value) = 'true'))`;

/**
 * Model versions (aliases `v`, and `m` for their model): default order
 * `last_updated_timestamp DESC, name ASC, version_number DESC`, as MLflow's.
 */
export function compileVersionSearch(
  filter: string | undefined,
  orderBy: readonly string[] | undefined,
): CompiledSearch {
  const params: unknown[] = [];
  const tags = { table: 'model_version_tags', key: 'version_pk', outer: 'v.version_pk' };
  const { rest, prompts } = splitPromptClause(
    parseAttributeTagFilter(filter, VERSION_FILTER_ATTRIBUTES),
  );
  const parts = rest.map((c) => clauseSql(c, VERSION_COLUMNS, tags, params));
  params.push(PROMPT_TAG, PROMPT_TAG);
  parts.push(pinsOneModel(rest) ? promptModelTest(prompts) : promptModelList(prompts));
  const where = conjunction(parts);
  const given = orderBy && orderBy.length > 0 ? orderBy : ['last_updated_timestamp DESC'];
  const keys = parseAttributeOrderBy(given, VERSION_ORDER);
  const order = keys.map((k) => `${VERSION_COLUMNS[k.name]} ${k.ascending ? 'ASC' : 'DESC'}`);
  if (!keys.some((k) => k.name === 'name')) order.push('m.name ASC');
  if (!keys.some((k) => k.name === 'version_number')) order.push('v.version DESC');
  return { where, orderBy: order.join(', '), params };
}
