import { invalid } from '../model/errors';

/**
 * The conditions of a switch node: a small expression language read into a tree, never run as
 * code. Operands are paths into the request's JSON (`params.segment`,
 * `dataframe_records[0]["petal length (cm)"]`, `inputs.0.data.0`), numbers, strings in single or
 * double quotes, `true`, `false`, `null` and lists (`["a", "b"]`, for `in`); operators are
 * `==`, `!=`, `<`, `<=`, `>`, `>=`, `in`, `not`, `and`, `or` and parentheses. A path the request
 * lacks is null; `<`, `<=`, `>`, `>=` hold only between two numbers or two strings.
 */
export type Condition =
  | { kind: 'literal'; value: unknown }
  | { kind: 'path'; path: (string | number)[] }
  | { kind: 'list'; items: Condition[] }
  | { kind: 'not'; operand: Condition }
  | { kind: 'and' | 'or'; left: Condition; right: Condition }
  | { kind: 'compare'; op: CompareOp; left: Condition; right: Condition };

type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in';

type Token =
  | { type: 'number' | 'string'; value: number | string; at: number }
  | { type: 'word' | 'op' | 'punct'; value: string; at: number };

/** The longest condition read. */
const MAX_LENGTH = 1_000;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const at = i;
    const number = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(text.slice(i));
    const previous = tokens[tokens.length - 1];
    const afterOperand =
      previous !== undefined &&
      (previous.type === 'number' ||
        previous.type === 'string' ||
        (previous.type === 'word' && !['and', 'or', 'not', 'in'].includes(previous.value)) ||
        (previous.type === 'punct' && (previous.value === ')' || previous.value === ']')));
    if (c === '.' && afterOperand) {
      tokens.push({ type: 'punct', value: c, at });
      i++;
      continue;
    }
    if (previous?.type === 'punct' && previous.value === '.') {
      const index = /^\d+/.exec(text.slice(i));
      if (index) {
        tokens.push({ type: 'number', value: Number(index[0]), at });
        i += index[0].length;
        continue;
      }
    }
    if (number && !(c === '-' && afterOperand)) {
      tokens.push({ type: 'number', value: Number(number[0]), at });
      i += number[0].length;
      continue;
    }
    if (c === '"' || c === "'") {
      let value = '';
      i++;
      while (i < text.length && text[i] !== c) {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        value += text[i];
        i++;
      }
      if (i >= text.length) throw new Error(`a string opened at ${at + 1} is not closed`);
      i++;
      tokens.push({ type: 'string', value, at });
      continue;
    }
    const word = /^[A-Za-z_$][\w$]*/.exec(text.slice(i));
    if (word) {
      tokens.push({ type: 'word', value: word[0], at });
      i += word[0].length;
      continue;
    }
    const op = /^(==|!=|<=|>=|<|>)/.exec(text.slice(i));
    if (op) {
      tokens.push({ type: 'op', value: op[0], at });
      i += op[0].length;
      continue;
    }
    if ('()[].,'.includes(c)) {
      tokens.push({ type: 'punct', value: c, at });
      i++;
      continue;
    }
    throw new Error(`unexpected '${c}' at ${at + 1}`);
  }
  return tokens;
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): Condition {
    const expression = this.or();
    const rest = this.tokens[this.i];
    if (rest) throw new Error(`unexpected '${String(rest.value)}' at ${rest.at + 1}`);
    return expression;
  }

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private is(type: Token['type'], value?: string): boolean {
    const t = this.peek();
    return t !== undefined && t.type === type && (value === undefined || t.value === value);
  }

  private expect(type: Token['type'], value: string): void {
    if (!this.is(type, value)) {
      const t = this.peek();
      throw new Error(
        t
          ? `expected '${value}' at ${t.at + 1}, found '${String(t.value)}'`
          : `expected '${value}' at the end`,
      );
    }
    this.i++;
  }

  private or(): Condition {
    let left = this.and();
    while (this.is('word', 'or')) {
      this.i++;
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): Condition {
    let left = this.not();
    while (this.is('word', 'and')) {
      this.i++;
      left = { kind: 'and', left, right: this.not() };
    }
    return left;
  }

  private not(): Condition {
    if (this.is('word', 'not')) {
      this.i++;
      return { kind: 'not', operand: this.not() };
    }
    return this.compare();
  }

  private compare(): Condition {
    const left = this.operand();
    const t = this.peek();
    if (t && (t.type === 'op' || (t.type === 'word' && t.value === 'in'))) {
      this.i++;
      return { kind: 'compare', op: t.value as CompareOp, left, right: this.operand() };
    }
    return left;
  }

  private operand(): Condition {
    const t = this.peek();
    if (!t) throw new Error('the condition ends where a value was expected');
    if (t.type === 'number' || t.type === 'string') {
      this.i++;
      return { kind: 'literal', value: t.value };
    }
    if (t.type === 'punct' && t.value === '(') {
      this.i++;
      const inner = this.or();
      this.expect('punct', ')');
      return inner;
    }
    if (t.type === 'punct' && t.value === '[') {
      this.i++;
      const items: Condition[] = [];
      while (!this.is('punct', ']')) {
        items.push(this.operand());
        if (!this.is('punct', ',')) break;
        this.i++;
      }
      this.expect('punct', ']');
      return { kind: 'list', items };
    }
    if (t.type === 'word') {
      if (['and', 'or', 'not', 'in'].includes(t.value)) {
        throw new Error(`unexpected '${t.value}' at ${t.at + 1}`);
      }
      this.i++;
      if (t.value === 'true' || t.value === 'false')
        return { kind: 'literal', value: t.value === 'true' };
      if (t.value === 'null') return { kind: 'literal', value: null };
      return { kind: 'path', path: [t.value, ...this.segments()] };
    }
    throw new Error(`unexpected '${String(t.value)}' at ${t.at + 1}`);
  }

  private segments(): (string | number)[] {
    const path: (string | number)[] = [];
    for (;;) {
      if (this.is('punct', '.')) {
        this.i++;
        const t = this.peek();
        if (t?.type === 'word') path.push(t.value);
        else if (t?.type === 'number' && Number.isInteger(t.value) && (t.value as number) >= 0) {
          path.push(t.value as number);
        } else throw new Error(`expected a field name after '.' at ${(t?.at ?? 0) + 1}`);
        this.i++;
      } else if (this.is('punct', '[')) {
        this.i++;
        const t = this.peek();
        if (t?.type === 'string' || (t?.type === 'number' && Number.isInteger(t.value))) {
          path.push(t.value);
        } else {
          throw new Error(`expected a number or a quoted name inside [ ] at ${(t?.at ?? 0) + 1}`);
        }
        this.i++;
        this.expect('punct', ']');
      } else {
        return path;
      }
    }
  }
}

/**
 * Reads a condition.
 * @throws SextantError INVALID_PARAMETER_VALUE saying where the text is wrong.
 */
export function parseCondition(text: string): Condition {
  if (text.trim() === '') throw invalid('the condition is empty');
  if (text.length > MAX_LENGTH) {
    throw invalid(`the condition is longer than ${MAX_LENGTH} characters`);
  }
  try {
    return new Parser(tokenize(text)).parse();
  } catch (error) {
    throw invalid(`condition '${text}': ${(error as Error).message}`);
  }
}

function lookup(value: unknown, path: readonly (string | number)[]): unknown {
  let at: unknown = value;
  for (const segment of path) {
    if (Array.isArray(at)) {
      const index = typeof segment === 'number' ? segment : Number(segment);
      at = Number.isInteger(index) ? at[index] : undefined;
    } else if (typeof at === 'object' && at !== null) {
      at = Object.prototype.hasOwnProperty.call(at, String(segment))
        ? (at as Record<string, unknown>)[String(segment)]
        : undefined;
    } else {
      return null;
    }
  }
  return at === undefined ? null : at;
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  }
  return false;
}

function value(condition: Condition, request: unknown): unknown {
  switch (condition.kind) {
    case 'literal':
      return condition.value;
    case 'path':
      return lookup(request, condition.path);
    case 'list':
      return condition.items.map((item) => value(item, request));
    case 'not':
      return !truthy(value(condition.operand, request));
    case 'and':
      return truthy(value(condition.left, request)) && truthy(value(condition.right, request));
    case 'or':
      return truthy(value(condition.left, request)) || truthy(value(condition.right, request));
    case 'compare': {
      const left = value(condition.left, request);
      const right = value(condition.right, request);
      switch (condition.op) {
        case '==':
          return equal(left, right);
        case '!=':
          return !equal(left, right);
        case 'in':
          if (Array.isArray(right)) return right.some((r) => equal(left, r));
          return typeof right === 'string' && typeof left === 'string' && right.includes(left);
        default: {
          const comparable =
            (typeof left === 'number' && typeof right === 'number') ||
            (typeof left === 'string' && typeof right === 'string');
          if (!comparable) return false;
          const [l, r] = [left as number | string, right as number | string];
          if (condition.op === '<') return l < r;
          if (condition.op === '<=') return l <= r;
          if (condition.op === '>') return l > r;
          return l >= r;
        }
      }
    }
  }
}

function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  return v !== null && v !== false && v !== 0 && v !== '';
}

/** Whether a request (its JSON) meets a condition; never throws. */
export function evaluateCondition(condition: Condition, request: unknown): boolean {
  return truthy(value(condition, request));
}
