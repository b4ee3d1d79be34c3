import { invalid } from '../../model/errors';

/**
 * MLflow's `filter_string` grammar: `clause (AND clause)*`, each clause `identifier comparator
 * value`. This file lexes and parses it into typed clauses for runs, experiments and logged
 * models; `sql.ts` and `loggedModelSearch.ts` compile those to SQL. Every error is an
 * INVALID_PARAMETER_VALUE that quotes the bad part.
 */

export type NumberOp = '=' | '!=' | '<' | '<=' | '>' | '>=';
export type StringOp = '=' | '!=' | 'LIKE' | 'ILIKE';
export type ListOp = 'IN' | 'NOT IN';
export type PresenceOp = 'IS NULL' | 'IS NOT NULL';

/** What a clause checks a value against. */
export type Test =
  | { type: 'number'; op: NumberOp; value: number }
  | { type: 'string'; op: StringOp; value: string }
  | { type: 'list'; op: ListOp; values: readonly string[] }
  | { type: 'presence'; op: PresenceOp };

export type NumberTest = Extract<Test, { type: 'number' }>;
export type TextTest = Extract<Test, { type: 'string' | 'list' }>;
export type PresenceTest = Extract<Test, { type: 'presence' }>;

/** Run attributes, by their canonical MLflow names (aliases such as `created` resolved). */
export type RunAttribute =
  | 'run_id'
  | 'run_name'
  | 'user_id'
  | 'status'
  | 'start_time'
  | 'end_time'
  | 'artifact_uri'
  | 'lifecycle_stage';

export type DatasetField = 'name' | 'digest' | 'context';

/** One parsed clause of a runs filter. */
export type RunClause =
  | { kind: 'metric'; key: string; test: NumberTest | PresenceTest }
  | { kind: 'param' | 'tag'; key: string; test: TextTest | PresenceTest }
  | { kind: 'attribute'; name: RunAttribute; test: NumberTest | TextTest }
  | { kind: 'dataset'; field: DatasetField; test: TextTest };

export type ExperimentAttribute = 'name' | 'experiment_id' | 'creation_time' | 'last_update_time';

/** One parsed clause of an experiments filter. */
export type ExperimentClause =
  | { kind: 'attribute'; name: ExperimentAttribute; test: NumberTest | TextTest }
  | { kind: 'tag'; key: string; test: TextTest | PresenceTest };

/** Logged-model attributes, by their canonical MLflow names. */
export type LoggedModelAttribute =
  | 'name'
  | 'model_id'
  | 'model_type'
  | 'status'
  | 'source_run_id'
  | 'experiment_id'
  | 'creation_timestamp'
  | 'last_updated_timestamp';

/** Logged-model attribute names and MLflow's aliases, with whether they are numeric. */
export const LOGGED_MODEL_ATTRIBUTES: Readonly<
  Record<string, { name: LoggedModelAttribute; numeric: boolean }>
> = {
  name: { name: 'name', numeric: false },
  model_id: { name: 'model_id', numeric: false },
  model_type: { name: 'model_type', numeric: false },
  status: { name: 'status', numeric: false },
  source_run_id: { name: 'source_run_id', numeric: false },
  experiment_id: { name: 'experiment_id', numeric: false },
  creation_timestamp: { name: 'creation_timestamp', numeric: true },
  creation_time: { name: 'creation_timestamp', numeric: true },
  creation_timestamp_ms: { name: 'creation_timestamp', numeric: true },
  last_updated_timestamp: { name: 'last_updated_timestamp', numeric: true },
  last_updated_timestamp_ms: { name: 'last_updated_timestamp', numeric: true },
};

/** One parsed clause of a logged-models filter. */
export type LoggedModelClause =
  | { kind: 'metric'; key: string; test: NumberTest | PresenceTest }
  | { kind: 'param' | 'tag'; key: string; test: TextTest | PresenceTest }
  | { kind: 'attribute'; name: LoggedModelAttribute; test: NumberTest | TextTest };

/** Entity kinds of an identifier's prefix (`metrics.`, `params.`, ...). */
export type Entity = 'metric' | 'param' | 'tag' | 'attribute' | 'dataset';

const ENTITIES: Record<string, Entity> = {
  metric: 'metric',
  metrics: 'metric',
  parameter: 'param',
  parameters: 'param',
  param: 'param',
  params: 'param',
  tag: 'tag',
  tags: 'tag',
  attribute: 'attribute',
  attributes: 'attribute',
  attr: 'attribute',
  run: 'attribute',
  dataset: 'dataset',
  datasets: 'dataset',
};

/** Run attribute names and aliases users may write, with whether they are numeric. */
export const RUN_ATTRIBUTES: Readonly<Record<string, { name: RunAttribute; numeric: boolean }>> = {
  run_id: { name: 'run_id', numeric: false },
  run_uuid: { name: 'run_id', numeric: false },
  run_name: { name: 'run_name', numeric: false },
  'run name': { name: 'run_name', numeric: false },
  'Run name': { name: 'run_name', numeric: false },
  'Run Name': { name: 'run_name', numeric: false },
  user_id: { name: 'user_id', numeric: false },
  status: { name: 'status', numeric: false },
  start_time: { name: 'start_time', numeric: true },
  created: { name: 'start_time', numeric: true },
  Created: { name: 'start_time', numeric: true },
  end_time: { name: 'end_time', numeric: true },
  artifact_uri: { name: 'artifact_uri', numeric: false },
  lifecycle_stage: { name: 'lifecycle_stage', numeric: false },
};

/** The tag MLflow keeps in step with the run name; Sextant reads it from `runs.name`. */
export const RUN_NAME_TAG = 'mlflow.runName';

const EXPERIMENT_ATTRIBUTES: Readonly<
  Record<string, { name: ExperimentAttribute; numeric: boolean }>
> = {
  name: { name: 'name', numeric: false },
  experiment_id: { name: 'experiment_id', numeric: false },
  creation_time: { name: 'creation_time', numeric: true },
  last_update_time: { name: 'last_update_time', numeric: true },
};

/** A lexical token; `start`/`end` index the source so errors can quote it. */
export type Token = { start: number; end: number } & (
  | { t: 'ident'; prefix: string | undefined; key: string; quoted: boolean }
  | { t: 'string'; value: string }
  | { t: 'number'; value: number }
  | { t: 'op'; value: string }
  | { t: '(' | ')' | ',' }
);

/** An identifier as written: `prefix.key`, or a bare `key` (an attribute). */
export interface Identifier {
  prefix: string | undefined;
  key: string;
  text: string;
}

const WORD = /[A-Za-z_][A-Za-z0-9_]*/y;
const KEY = /[A-Za-z0-9_.\-/:]+/y;
const NUMBER = /-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/y;
const OP = /[=!<>]+/y;
const QUOTES = new Set(["'", '"', '`']);
const WORD_CHAR = /[A-Za-z0-9_.]/;

function matchAt(re: RegExp, text: string, at: number): string | undefined {
  re.lastIndex = at;
  return re.exec(text)?.[0];
}

/** Reads quoted text at `at`; a doubled quote or a backslash-escaped quote stands for itself. */
function readQuoted(text: string, at: number, what: string): { value: string; end: number } {
  const quote = text[at] as string;
  let value = '';
  for (let i = at + 1; i < text.length; i++) {
    const c = text[i] as string;
    const next = text[i + 1];
    if ((c === quote || c === '\\') && next === quote) {
      value += quote;
      i++;
    } else if (c === quote) {
      return { value, end: i + 1 };
    } else {
      value += c;
    }
  }
  throw invalid(
    `Invalid ${what}: unterminated quoted text ${text.slice(at)}. Close it with ${quote}.`,
  );
}

/** Splits `text` into tokens; `what` ("filter string", "order_by clause") names it in errors. */
export function tokenize(text: string, what: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === '(' || c === ')' || c === ',') {
      tokens.push({ t: c, start, end: ++i });
    } else if (c === "'" || c === '"') {
      const { value, end } = readQuoted(text, i, what);
      tokens.push({ t: 'string', value, start, end });
      i = end;
    } else if (c === '`') {
      const { value, end } = readQuoted(text, i, what);
      tokens.push({ t: 'ident', prefix: undefined, key: value, quoted: true, start, end });
      i = end;
    } else if (/[-.\d]/.test(c)) {
      const number = matchAt(NUMBER, text, i);
      const end = i + (number?.length ?? 0);
      if (!number || WORD_CHAR.test(text[end] ?? '')) {
        throw invalid(`Invalid ${what} '${text}': cannot read a value at '${text.slice(i)}'.`);
      }
      tokens.push({ t: 'number', value: Number(number), start, end });
      i = end;
    } else if (/[=!<>]/.test(c)) {
      const op = matchAt(OP, text, i) as string;
      i += op.length;
      tokens.push({ t: 'op', value: op, start, end: i });
    } else if (/[A-Za-z_]/.test(c)) {
      i = readIdentifier(text, i, tokens, what);
    } else {
      throw invalid(`Invalid ${what} '${text}': unexpected character '${c}' at position ${i}.`);
    }
  }
  return tokens;
}

function readIdentifier(text: string, at: number, tokens: Token[], what: string): number {
  const word = matchAt(WORD, text, at) as string;
  let i = at + word.length;
  if (text[i] !== '.') {
    tokens.push({ t: 'ident', prefix: undefined, key: word, quoted: false, start: at, end: i });
    return i;
  }
  i++;
  if (QUOTES.has(text[i] ?? '')) {
    const { value, end } = readQuoted(text, i, what);
    tokens.push({ t: 'ident', prefix: word, key: value, quoted: true, start: at, end });
    return end;
  }
  const key = matchAt(KEY, text, i);
  if (!key) {
    throw invalid(
      `Invalid ${what} '${text}': '${word}.' needs a key after the dot, e.g. ${word}.my_key or ${word}.\`my key\`.`,
    );
  }
  tokens.push({ t: 'ident', prefix: word, key, quoted: false, start: at, end: i + key.length });
  return i + key.length;
}

/** Whether `token` is the bare word `keyword` (case-insensitive). */
export function isKeyword(token: Token | undefined, keyword: string): boolean {
  return (
    token?.t === 'ident' &&
    token.prefix === undefined &&
    !token.quoted &&
    token.key.toUpperCase() === keyword
  );
}

type Comparator = NumberOp | StringOp | ListOp | PresenceOp;
type RawValue =
  | { type: 'string'; value: string }
  | { type: 'number'; value: number; raw: string }
  | { type: 'list'; values: string[] }
  | { type: 'none' };

/** A syntactically valid clause, before its meaning is checked. */
interface Comparison {
  identifier: Identifier;
  comparator: Comparator;
  value: RawValue;
  text: string;
}

const COMPARISON_OPS = new Set(['=', '!=', '<', '<=', '>', '>=']);

class Parser {
  private at = 0;
  private readonly tokens: Token[];

  constructor(private readonly text: string) {
    this.tokens = tokenize(text, 'filter string');
  }

  comparisons(): Comparison[] {
    const out: Comparison[] = [];
    if (this.tokens.length === 0) return out;
    for (;;) {
      out.push(this.comparison());
      const next = this.tokens[this.at];
      if (!next) return out;
      if (isKeyword(next, 'AND')) {
        this.at++;
        continue;
      }
      if (isKeyword(next, 'OR')) {
        throw this.fail(
          next,
          'OR is not supported; join clauses with AND, or run one search per alternative',
        );
      }
      throw this.fail(next, 'expected AND or the end of the filter');
    }
  }

  private comparison(): Comparison {
    const first = this.tokens[this.at];
    const identifier = this.identifier();
    const comparator = this.comparator(identifier);
    const value = this.value(identifier, comparator);
    const last = this.tokens[this.at - 1] as Token;
    return {
      identifier,
      comparator,
      value,
      text: this.text.slice((first as Token).start, last.end),
    };
  }

  private identifier(): Identifier {
    const token = this.tokens[this.at];
    if (token?.t === 'ident' && !isKeyword(token, 'AND') && !isKeyword(token, 'OR')) {
      this.at++;
      return { prefix: token.prefix, key: token.key, text: this.source(token) };
    }
    if (token?.t === 'string' && this.text[token.start] === '"') {
      this.at++;
      return { prefix: undefined, key: token.value, text: this.source(token) };
    }
    throw this.fail(
      token,
      'expected an identifier such as metrics.<key>, params.<key>, tags.<key>, attributes.<name> or datasets.<field>',
    );
  }

  private comparator(identifier: Identifier): Comparator {
    const token = this.tokens[this.at++];
    if (token?.t === 'op' && COMPARISON_OPS.has(token.value)) return token.value as NumberOp;
    if (isKeyword(token, 'LIKE') || isKeyword(token, 'ILIKE') || isKeyword(token, 'IN')) {
      return (token as { key: string }).key.toUpperCase() as Comparator;
    }
    if (isKeyword(token, 'NOT') && isKeyword(this.tokens[this.at], 'IN')) {
      this.at++;
      return 'NOT IN';
    }
    if (isKeyword(token, 'IS')) {
      const not = isKeyword(this.tokens[this.at], 'NOT');
      if (not) this.at++;
      if (isKeyword(this.tokens[this.at], 'NULL')) {
        this.at++;
        return not ? 'IS NOT NULL' : 'IS NULL';
      }
      throw this.fail(this.tokens[this.at], 'expected NULL or NOT NULL after IS');
    }
    throw this.fail(
      token,
      `expected a comparator after '${identifier.text}': one of =, !=, <, <=, >, >=, LIKE, ILIKE, IN, NOT IN, IS NULL, IS NOT NULL`,
    );
  }

  private value(identifier: Identifier, comparator: Comparator): RawValue {
    if (comparator === 'IS NULL' || comparator === 'IS NOT NULL') return { type: 'none' };
    if (comparator === 'IN' || comparator === 'NOT IN') return this.list();
    const token = this.tokens[this.at++];
    if (token?.t === 'string') return { type: 'string', value: token.value };
    if (token?.t === 'number')
      return { type: 'number', value: token.value, raw: this.source(token) };
    throw this.fail(
      token,
      `expected a value after '${identifier.text} ${comparator}': a quoted string ('text') or a number`,
    );
  }

  private list(): RawValue {
    const open = this.tokens[this.at++];
    if (open?.t !== '(') {
      throw this.fail(open, "expected a parenthesized list of quoted strings, e.g. ('a', 'b')");
    }
    const values: string[] = [];
    for (;;) {
      const token = this.tokens[this.at++];
      if (token?.t === ')' && values.length === 0) {
        throw this.fail(open, 'the list is empty; give at least one quoted string');
      }
      if (token?.t !== 'string') throw this.fail(token, 'expected a quoted string in the list');
      values.push(token.value);
      const sep = this.tokens[this.at++];
      if (sep?.t === ')') return { type: 'list', values };
      if (sep?.t !== ',') throw this.fail(sep, "expected ',' or ')' in the list");
    }
  }

  private source(token: Token): string {
    return this.text.slice(token.start, token.end);
  }

  private fail(token: Token | undefined, why: string): Error {
    const part = token ? this.text.slice(token.start) : '<end of filter>';
    return invalid(`Invalid clause(s) in filter string: '${part}': ${why}. Filter: '${this.text}'`);
  }
}

function clauseError(c: Comparison, why: string): Error {
  return invalid(`Invalid clause in filter string: '${c.text}': ${why}`);
}

/** Resolves `prefix.key` to an entity; a bare key is an attribute. */
export function entityOf(identifier: Identifier, allowed: readonly Entity[], what: string): Entity {
  if (identifier.prefix === undefined) return 'attribute';
  const entity = ENTITIES[identifier.prefix];
  if (!entity || !allowed.includes(entity)) {
    const names = Object.keys(ENTITIES).filter((name) =>
      allowed.includes(ENTITIES[name] as Entity),
    );
    throw invalid(
      `Invalid entity type '${identifier.prefix}' in ${what} '${identifier.text}'. Valid values are ${names.join(', ')}.`,
    );
  }
  return entity;
}

/** Looks up an attribute name in `table`, with an error listing the valid ones. */
export function attributeOf<T>(table: Readonly<Record<string, T>>, identifier: Identifier): T {
  const found = Object.hasOwn(table, identifier.key) ? table[identifier.key] : undefined;
  if (found === undefined) {
    throw invalid(
      `Invalid attribute key '${identifier.key}' specified in '${identifier.text}'. Valid keys are ${Object.keys(table).join(', ')}.`,
    );
  }
  return found;
}

function numberTest(c: Comparison, subject: string): NumberTest {
  if (!COMPARISON_OPS.has(c.comparator)) {
    throw clauseError(
      c,
      `${subject} supports =, !=, <, <=, >, >= with a number, not ${c.comparator}`,
    );
  }
  if (c.value.type !== 'number') {
    throw clauseError(
      c,
      `${subject} must be compared with a number, e.g. ${c.identifier.text} > 0.5`,
    );
  }
  return { type: 'number', op: c.comparator as NumberOp, value: c.value.value };
}

function textTest(c: Comparison, subject: string): TextTest {
  if (c.value.type === 'list')
    return { type: 'list', op: c.comparator as ListOp, values: c.value.values };
  if (
    c.comparator === '=' ||
    c.comparator === '!=' ||
    c.comparator === 'LIKE' ||
    c.comparator === 'ILIKE'
  ) {
    if (c.value.type !== 'string') {
      throw clauseError(
        c,
        `${subject} must be compared with a quoted string, e.g. ${c.identifier.text} = 'value'`,
      );
    }
    return { type: 'string', op: c.comparator, value: c.value.value };
  }
  throw clauseError(c, `${subject} supports =, !=, LIKE, ILIKE, IN, NOT IN, not ${c.comparator}`);
}

function presence(c: Comparison): PresenceTest | undefined {
  return c.comparator === 'IS NULL' || c.comparator === 'IS NOT NULL'
    ? { type: 'presence', op: c.comparator }
    : undefined;
}

function runClause(c: Comparison): RunClause {
  const entity = entityOf(
    c.identifier,
    ['metric', 'param', 'tag', 'attribute', 'dataset'],
    'filter',
  );
  const key = c.identifier.key;
  switch (entity) {
    case 'metric':
      return { kind: 'metric', key, test: presence(c) ?? numberTest(c, `metric '${key}'`) };
    case 'param':
    case 'tag': {
      const test = presence(c) ?? textTest(c, `${entity} '${key}'`);
      if (entity === 'tag' && key === RUN_NAME_TAG) return runNameClause(test);
      return { kind: entity, key, test };
    }
    case 'dataset': {
      if (key !== 'name' && key !== 'digest' && key !== 'context') {
        throw clauseError(c, `valid dataset fields are name, digest and context, not '${key}'`);
      }
      return { kind: 'dataset', field: key, test: textTest(c, `dataset ${key}`) };
    }
    case 'attribute': {
      const attribute = attributeOf(RUN_ATTRIBUTES, c.identifier);
      const subject = `attribute '${attribute.name}'`;
      const test = attribute.numeric ? numberTest(c, subject) : textTest(c, subject);
      return { kind: 'attribute', name: attribute.name, test };
    }
  }
}

/** `tags.mlflow.runName` reads the run name; a run without a name has ''. */
function runNameClause(test: TextTest | PresenceTest): RunClause {
  if (test.type !== 'presence') return { kind: 'attribute', name: 'run_name', test };
  const op = test.op === 'IS NULL' ? '=' : '!=';
  return { kind: 'attribute', name: 'run_name', test: { type: 'string', op, value: '' } };
}

function experimentClause(c: Comparison): ExperimentClause {
  const entity = entityOf(c.identifier, ['attribute', 'tag'], 'filter');
  if (entity === 'tag') {
    return {
      kind: 'tag',
      key: c.identifier.key,
      test: presence(c) ?? textTest(c, `tag '${c.identifier.key}'`),
    };
  }
  const attribute = attributeOf(EXPERIMENT_ATTRIBUTES, c.identifier);
  const subject = `attribute '${attribute.name}'`;
  const test = attribute.numeric ? numberTest(c, subject) : textTest(c, subject);
  if (attribute.name === 'experiment_id' && (test.op === 'LIKE' || test.op === 'ILIKE')) {
    throw clauseError(c, 'experiment_id supports =, !=, IN, NOT IN');
  }
  return { kind: 'attribute', name: attribute.name, test };
}

/**
 * A logged-model clause. As Sextant's logged-model search always has, a param, tag or string
 * attribute also takes an unquoted number as the text it is written as (`params.C = 1.0`).
 */
function loggedModelClause(c: Comparison): LoggedModelClause {
  const entity = entityOf(c.identifier, ['metric', 'param', 'tag', 'attribute'], 'filter');
  const key = c.identifier.key;
  const text = (subject: string): TextTest => {
    const asText: Comparison =
      c.value.type === 'number' ? { ...c, value: { type: 'string', value: c.value.raw } } : c;
    return textTest(asText, subject);
  };
  switch (entity) {
    case 'metric':
      return { kind: 'metric', key, test: presence(c) ?? numberTest(c, `metric '${key}'`) };
    case 'param':
    case 'tag':
      return { kind: entity, key, test: presence(c) ?? text(`${entity} '${key}'`) };
    default: {
      const attribute = attributeOf(LOGGED_MODEL_ATTRIBUTES, c.identifier);
      const subject = `attribute '${attribute.name}'`;
      const test = attribute.numeric ? numberTest(c, subject) : text(subject);
      return { kind: 'attribute', name: attribute.name, test };
    }
  }
}

/** Parses a logged-models `filter_string`; empty or missing means no clauses. */
export function parseLoggedModelFilter(filter: string | undefined): LoggedModelClause[] {
  return filter ? new Parser(filter).comparisons().map(loggedModelClause) : [];
}

/** Parses a runs `filter_string`; empty or missing means no clauses. */
export function parseRunFilter(filter: string | undefined): RunClause[] {
  return filter ? new Parser(filter).comparisons().map(runClause) : [];
}

/** Parses an experiments `filter_string`; empty or missing means no clauses. */
export function parseExperimentFilter(filter: string | undefined): ExperimentClause[] {
  return filter ? new Parser(filter).comparisons().map(experimentClause) : [];
}

/** One clause of a filter over attributes and tags only (registered models, model versions). */
export type AttributeTagClause<A extends string> =
  | { kind: 'attribute'; name: A; test: NumberTest | TextTest }
  | { kind: 'tag'; key: string; test: TextTest | PresenceTest };

/**
 * Parses a `filter_string` over a table of attributes (names and aliases users may write, with
 * whether each is numeric) and `tags.<key>`, the grammar MLflow's registry searches take; empty
 * or missing means no clauses.
 */
export function parseAttributeTagFilter<A extends string>(
  filter: string | undefined,
  attributes: Readonly<Record<string, { name: A; numeric: boolean }>>,
): AttributeTagClause<A>[] {
  if (!filter) return [];
  return new Parser(filter).comparisons().map((c) => {
    const entity = entityOf(c.identifier, ['attribute', 'tag'], 'filter');
    if (entity === 'tag') {
      const key = c.identifier.key;
      return { kind: 'tag', key, test: presence(c) ?? textTest(c, `tag '${key}'`) };
    }
    const attribute = attributeOf(attributes, c.identifier);
    const subject = `attribute '${attribute.name}'`;
    if (!attribute.numeric)
      return { kind: 'attribute', name: attribute.name, test: textTest(c, subject) };
    if (c.value.type === 'string' && /^-?\d+$/.test(c.value.value)) {
      const asNumber: Comparison = {
        ...c,
        value: { type: 'number', value: Number(c.value.value), raw: c.value.value },
      };
      return { kind: 'attribute', name: attribute.name, test: numberTest(asNumber, subject) };
    }
    if (c.value.type === 'list' && c.value.values.every((v) => /^-?\d+$/.test(v))) {
      return { kind: 'attribute', name: attribute.name, test: textTest(c, subject) };
    }
    return { kind: 'attribute', name: attribute.name, test: numberTest(c, subject) };
  });
}
