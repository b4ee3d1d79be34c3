/** A `${...}` reference in a string. */
export interface Placeholder {
  /** The text between the braces, trimmed, e.g. `item.lr` or `params.train.lr`. */
  expression: string;
  /** Offset of `$` in the string. */
  start: number;
  /** Offset after `}`. */
  end: number;
}

/** The `${...}` references of a string, in order. `$${` escapes a literal `${`. */
export function placeholders(value: string): Placeholder[] {
  const found: Placeholder[] = [];
  const pattern = /\$?\$\{([^}]*)\}/g;
  for (const match of value.matchAll(pattern)) {
    if (match[0].startsWith('$$')) continue;
    found.push({
      expression: (match[1] ?? '').trim(),
      start: match.index,
      end: match.index + match[0].length,
    });
  }
  return found;
}

/** Outcome of one placeholder: its text, or why it cannot be replaced. */
export type Lookup = { value: string } | { error: string } | undefined;

/**
 * Replaces each `${expr}` by what `lookup` answers; an `undefined` answer leaves it as it is
 * (the shell may expand it), an `error` is collected. `$${` becomes a literal `${`.
 */
export function interpolate(
  value: string,
  lookup: (expression: string) => Lookup,
): { value: string; errors: string[] } {
  const errors: string[] = [];
  const result = value.replace(/\$?\$\{([^}]*)\}/g, (whole, inner: string) => {
    if (whole.startsWith('$$')) return whole.slice(1);
    const answer = lookup(inner.trim());
    if (!answer) return whole;
    if ('error' in answer) {
      errors.push(answer.error);
      return whole;
    }
    return answer.value;
  });
  return { value: result, errors };
}

/** A value as text inside a command or path: scalars as written, lists and maps as JSON. */
export function stringify(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Follows a dotted key (`a.b.c`) into nested maps; `found` is false when a part is missing. */
export function lookupDotted(data: unknown, key: string): { found: boolean; value?: unknown } {
  let node: unknown = data;
  for (const part of key.split('.')) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return { found: false };
    if (!Object.prototype.hasOwnProperty.call(node, part)) return { found: false };
    node = (node as Record<string, unknown>)[part];
  }
  return { found: true, value: node };
}
