/** A small DOM helper for the widgets that draw their own elements. */

/** A new `tag` element with `className` (when not empty) and `text` (when given). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}
