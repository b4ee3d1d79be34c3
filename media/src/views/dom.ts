/** A small element builder: text goes in as text, never as HTML. */

export { formatDuration } from '@sextant/core/model';

type Child = Node | string | null | undefined | false;

/** Creates an element with attributes (strings, or listeners for `on*` keys) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | boolean | EventListener | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child);
  }
  return element;
}

/** Replaces every child of `parent`. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren(...children.filter((c): c is Node | string => !!c));
}

/** A table with a header row; cells are text or nodes. */
export function table(
  headers: string[],
  rows: { cells: Child[]; className?: string }[],
  className = 'data',
): HTMLTableElement {
  return h(
    'table',
    { class: className },
    h('thead', {}, h('tr', {}, ...headers.map((text) => h('th', { scope: 'col' }, text)))),
    h(
      'tbody',
      {},
      ...rows.map((row) =>
        h('tr', { class: row.className }, ...row.cells.map((cell) => h('td', {}, cell))),
      ),
    ),
  );
}
