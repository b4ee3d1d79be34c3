/** Notes drawn from the safe Markdown subset of `../markdown`: elements and text nodes only. */
import { parseMarkdown, type Block, type Inline } from '../markdown';
import { h } from './dom';

function inline(pieces: Inline[]): Node[] {
  return pieces.map((piece): Node => {
    switch (piece.kind) {
      case 'text':
        return document.createTextNode(piece.text);
      case 'code':
        return h('code', {}, piece.text);
      case 'strong':
        return h('strong', {}, ...inline(piece.children));
      case 'em':
        return h('em', {}, ...inline(piece.children));
      case 'link':
        return h(
          'a',
          { href: piece.href, rel: 'noopener noreferrer', title: piece.href },
          ...inline(piece.children),
        );
    }
  });
}

function block(b: Block): HTMLElement {
  switch (b.kind) {
    case 'heading':
      return h(`h${Math.min(6, b.level + 2)}` as 'h3', {}, ...inline(b.children));
    case 'paragraph':
      return h('p', {}, ...inline(b.children));
    case 'list':
      return h(b.ordered ? 'ol' : 'ul', {}, ...b.items.map((item) => h('li', {}, ...inline(item))));
    case 'code':
      return h('pre', {}, h('code', {}, b.text));
    case 'quote':
      return h('blockquote', {}, ...inline(b.children));
  }
}

/** The elements of a note. */
export function renderMarkdown(source: string): HTMLElement[] {
  return parseMarkdown(source).map(block);
}
