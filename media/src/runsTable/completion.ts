/**
 * Completion for the runs table's search box, which takes MLflow's filter syntax: after a prefix
 * (`metrics.`, `params.`, `tags.`, `attributes.`) the names found in the store, a bare word the
 * prefixes and names, and after `params.lr = ` the values stored for that name, quoted.
 */
import type { ColumnId, ColumnKeys } from './columns';

/** One proposal: the text that replaces `[from, to)` of the filter. */
export interface Completion {
  /** What the list shows. */
  label: string;
  /** The filter's new text once the proposal is taken. */
  text: string;
  /** Where the caret goes then. */
  caret: number;
}

/** The attributes MLflow filters on. */
export const ATTRIBUTES = ['run_name', 'status', 'start_time', 'end_time', 'run_id'] as const;

const PREFIXES = ['metrics.', 'params.', 'tags.', 'attributes.'] as const;
const MAX_PROPOSALS = 50;

const needsQuotes = (name: string): boolean => !/^[A-Za-z_][A-Za-z0-9_.]*$/.test(name);
const nameText = (name: string): string => (needsQuotes(name) ? `\`${name}\`` : name);

function namesOf(prefix: string, keys: ColumnKeys): string[] {
  if (prefix === 'metrics') return keys.metrics;
  if (prefix === 'params') return keys.params;
  if (prefix === 'tags') return keys.tags;
  return [...ATTRIBUTES];
}

const withCaret = (before: string, inserted: string, after: string): Completion => ({
  label: inserted,
  text: before + inserted + after,
  caret: before.length + inserted.length,
});

/**
 * The proposals at `caret` of `filter`: names after a prefix, prefixes for a bare word, values
 * after a comparison with a param, tag or attribute.
 */
export function complete(
  filter: string,
  caret: number,
  keys: ColumnKeys,
  values: Record<ColumnId, string[]>,
): Completion[] {
  const before = filter.slice(0, caret);
  const after = filter.slice(caret);
  const value =
    /(params|tags|attributes)\.(`[^`]*`|[\w.]+)\s*(?:=|!=|LIKE|ILIKE)\s*('?)([^'\s]*)$/i.exec(
      before,
    );
  if (value) {
    const [, prefix, rawName, quote, typed] = value;
    const head = before.slice(0, before.length - quote!.length - typed!.length);
    const tail = after.replace(/^[^\s]*/, '');
    const column = `${prefix!.toLowerCase()}.${rawName!.replace(/`/g, '')}`;
    return (values[column] ?? [])
      .filter((v) => v.toLowerCase().startsWith(typed!.toLowerCase()))
      .slice(0, MAX_PROPOSALS)
      .map((v) => ({ ...withCaret(head, `'${v.replace(/'/g, "\\'")}' `, tail), label: v }));
  }
  const named = /(metrics|params|tags|attributes)\.(`?[^\s`=<>!]*)$/i.exec(before);
  if (named) {
    const [whole, prefix, typed] = named;
    const head = before.slice(0, before.length - whole.length) + `${prefix}.`;
    const partial = typed!.replace(/^`/, '').toLowerCase();
    const tail = after.replace(/^[\w.`]*/, '');
    return namesOf(prefix!.toLowerCase(), keys)
      .filter((name) => name.toLowerCase().includes(partial))
      .sort(
        (a, b) =>
          Number(!a.toLowerCase().startsWith(partial)) -
          Number(!b.toLowerCase().startsWith(partial)),
      )
      .slice(0, MAX_PROPOSALS)
      .map((name) => ({
        ...withCaret(head, nameText(name) + ' ', tail),
        label: `${prefix}.${name}`,
      }));
  }
  const word = /([A-Za-z_]*)$/.exec(before)![1]!;
  const previous = before.slice(0, before.length - word.length).trimEnd();
  const expectsName = previous === '' || /\band$/i.test(previous);
  if (!expectsName) return [];
  const head = before.slice(0, before.length - word.length);
  const lower = word.toLowerCase();
  const prefixes = PREFIXES.filter((p) => p.startsWith(lower)).map((p) =>
    withCaret(head, p, after),
  );
  if (lower === '') return prefixes;
  const names = [
    ...keys.metrics.map((k) => `metrics.${nameText(k)}`),
    ...keys.params.map((k) => `params.${nameText(k)}`),
    ...keys.tags.map((k) => `tags.${nameText(k)}`),
  ]
    .filter((name) =>
      name
        .slice(name.indexOf('.') + 1)
        .toLowerCase()
        .startsWith(lower),
    )
    .slice(0, MAX_PROPOSALS)
    .map((name) => ({ ...withCaret(head, name + ' ', after), label: name }));
  return [...prefixes, ...names];
}
