import { invalid } from '../../model/errors';
import {
  attributeOf,
  entityOf,
  type ExperimentAttribute,
  type Identifier,
  isKeyword,
  RUN_ATTRIBUTES,
  RUN_NAME_TAG,
  type RunAttribute,
  tokenize,
} from './filter';

/**
 * MLflow's `order_by` clauses: `identifier [ASC|DESC]`, ascending by default, e.g.
 * `metrics.acc DESC`, `params.lr`, `attributes.start_time ASC`, `tags.\`my tag\``.
 */

/** One key of a runs ordering. */
export type RunOrderKey = { ascending: boolean } & (
  { kind: 'metric' | 'param' | 'tag'; key: string } | { kind: 'attribute'; name: RunAttribute }
);

/** One key of an experiments ordering. */
export interface ExperimentOrderKey {
  name: ExperimentAttribute;
  ascending: boolean;
}

const EXPERIMENT_ORDER_ATTRIBUTES: Readonly<Record<string, ExperimentAttribute>> = {
  name: 'name',
  experiment_id: 'experiment_id',
  creation_time: 'creation_time',
  last_update_time: 'last_update_time',
};

/** Splits one clause into its identifier and direction. */
function parseClause(clause: string): { identifier: Identifier; ascending: boolean } {
  const tokens = tokenize(clause, 'order_by clause');
  const [first, direction, extra] = tokens;
  const bad = (why: string): Error =>
    invalid(
      `Invalid order_by clause '${clause}': ${why}. Expected e.g. 'metrics.acc DESC' or 'start_time'.`,
    );
  if (first?.t !== 'ident' || extra)
    throw bad('it must be one identifier optionally followed by ASC or DESC');
  let ascending = true;
  if (direction) {
    if (!isKeyword(direction, 'ASC') && !isKeyword(direction, 'DESC')) {
      throw bad(`'${clause.slice(direction.start)}' is not ASC or DESC`);
    }
    ascending = isKeyword(direction, 'ASC');
  }
  const text = clause.slice(first.start, first.end);
  return { identifier: { prefix: first.prefix, key: first.key, text }, ascending };
}

function runOrderKey(clause: string): RunOrderKey {
  const { identifier, ascending } = parseClause(clause);
  const entity = entityOf(identifier, ['metric', 'param', 'tag', 'attribute'], 'order_by clause');
  if (entity === 'attribute') {
    return { kind: 'attribute', name: attributeOf(RUN_ATTRIBUTES, identifier).name, ascending };
  }
  if (entity === 'tag' && identifier.key === RUN_NAME_TAG) {
    return { kind: 'attribute', name: 'run_name', ascending };
  }
  return { kind: entity as 'metric' | 'param' | 'tag', key: identifier.key, ascending };
}

/** Parses a runs `order_by` list; a field ordered twice is an error, as in MLflow. */
export function parseRunOrderBy(orderBy: readonly string[] | undefined): RunOrderKey[] {
  const keys = (orderBy ?? []).map(runOrderKey);
  const seen = new Set<string>();
  for (const key of keys) {
    const id = key.kind === 'attribute' ? `attribute:${key.name}` : `${key.kind}:${key.key}`;
    if (seen.has(id)) {
      throw invalid(
        `order_by contains duplicate fields: ${JSON.stringify(orderBy)}. Order by each field once.`,
      );
    }
    seen.add(id);
  }
  return keys;
}

/** Parses an experiments `order_by` list (attributes only). */
export function parseExperimentOrderBy(
  orderBy: readonly string[] | undefined,
): ExperimentOrderKey[] {
  return (orderBy ?? []).map((clause) => {
    const { identifier, ascending } = parseClause(clause);
    entityOf(identifier, ['attribute'], 'order_by clause');
    return { name: attributeOf(EXPERIMENT_ORDER_ATTRIBUTES, identifier), ascending };
  });
}

/** One key of an attribute-only ordering. */
export interface AttributeOrderKey<A extends string> {
  name: A;
  ascending: boolean;
}

/**
 * Parses an `order_by` list over a table of attribute names (and their aliases), as MLflow's
 * registry searches take it; a field ordered twice is an error.
 */
export function parseAttributeOrderBy<A extends string>(
  orderBy: readonly string[] | undefined,
  attributes: Readonly<Record<string, A>>,
): AttributeOrderKey<A>[] {
  const keys = (orderBy ?? []).map((clause) => {
    const { identifier, ascending } = parseClause(clause);
    entityOf(identifier, ['attribute'], 'order_by clause');
    return { name: attributeOf(attributes, identifier), ascending };
  });
  if (new Set(keys.map((k) => k.name)).size !== keys.length) {
    throw invalid(
      `order_by contains duplicate fields: ${JSON.stringify(orderBy)}. Order by each field once.`,
    );
  }
  return keys;
}
