import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Document,
  type Node,
} from 'yaml';
import type { PipelineDiagnostic, PipelineDiagnosticCode, SourceRange } from '../../model/pipeline';

/** A parsed YAML file with its line table, so any node or offset maps to an LSP range. */
export class SourceFile {
  readonly doc: Document.Parsed;
  private readonly lines = new LineCounter();
  /** Key nodes that repeat an earlier key of the same map. */
  private readonly duplicates: Node[];

  constructor(
    /** Absolute path. */
    readonly file: string,
    readonly text: string,
  ) {
    // Repeated keys are found here, in one pass: the parser's own check compares each key with
    // every earlier one, which is quadratic in a map of a thousand steps.
    this.doc = parseDocument(text, {
      lineCounter: this.lines,
      prettyErrors: false,
      uniqueKeys: false,
    });
    this.duplicates = duplicateKeys(this.doc);
    if (this.doc.errors.length === 0) expandAliases(this.doc);
  }

  /** The range of two offsets of the text. */
  rangeOfOffsets(start: number, end: number): SourceRange {
    const a = this.lines.linePos(Math.max(0, Math.min(start, this.text.length)));
    const b = this.lines.linePos(Math.max(0, Math.min(end, this.text.length)));
    return {
      start: { line: a.line - 1, character: a.col - 1 },
      end: { line: b.line - 1, character: b.col - 1 },
    };
  }

  /** The range of a node's value (without trailing comments), or the file's start when unknown. */
  rangeOf(node: Node | null | undefined): SourceRange {
    const r = node?.range;
    if (!r) return this.rangeOfOffsets(0, 0);
    return this.rangeOfOffsets(r[0], r[1]);
  }

  /** Offset of an LSP position. */
  offsetAt(line: number, character: number): number {
    const starts = this.lines.lineStarts;
    if (line >= starts.length) return this.text.length;
    return Math.min((starts[line] ?? 0) + character, this.text.length);
  }

  /**
   * The range of `needle` inside a scalar node when its source holds it verbatim (plain, quoted or
   * block scalars), else the node's range.
   */
  rangeWithin(node: Node | null | undefined, needle: string): SourceRange {
    const r = node?.range;
    if (!r || !needle) return this.rangeOf(node);
    const at = this.text.slice(r[0], r[1]).indexOf(needle);
    if (at < 0) return this.rangeOf(node);
    return this.rangeOfOffsets(r[0] + at, r[0] + at + needle.length);
  }

  /** Builds a diagnostic about a node of this file. */
  diagnostic(
    code: PipelineDiagnosticCode,
    message: string,
    node: Node | null | undefined | SourceRange,
    severity: PipelineDiagnostic['severity'] = 'error',
  ): PipelineDiagnostic {
    const range = node && 'start' in node ? node : this.rangeOf(node as Node | null | undefined);
    return { code, severity, message, file: this.file, range };
  }

  /**
   * YAML syntax errors and warnings of the file, as diagnostics; `duplicateKeys: false` leaves out
   * repeated map keys (the document is still whole then), for a caller that reports them itself.
   */
  syntaxDiagnostics(duplicateKeys = true): PipelineDiagnostic[] {
    const found: PipelineDiagnostic[] = [...this.doc.errors, ...this.doc.warnings].map((e) => ({
      code: 'yaml-syntax' as const,
      severity: e.name === 'YAMLWarning' ? ('warning' as const) : ('error' as const),
      message: e.message.split('\n')[0] ?? e.message,
      file: this.file,
      range: this.rangeOfOffsets(e.pos[0], Math.max(e.pos[1], e.pos[0] + 1)),
    }));
    if (duplicateKeys) {
      for (const range of this.duplicateKeyRanges())
        found.push(this.diagnostic('yaml-syntax', 'Map keys must be unique', range));
    }
    return found;
  }

  /** Ranges of map keys that repeat an earlier key of the same map. */
  duplicateKeyRanges(): SourceRange[] {
    return this.duplicates.map((key) => this.rangeOf(key));
  }

  /**
   * The node at a JSON pointer path (ajv's `instancePath` split into segments) and the key node of
   * the pair that holds it, as deep as the path can be followed.
   */
  nodeAtPath(segments: readonly string[]): { node: Node | null; key: Node | null } {
    let node: unknown = this.doc.contents;
    let key: Node | null = null;
    for (const segment of segments) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === segment);
        if (!pair) break;
        key = pair.key as Node;
        node = pair.value;
      } else if (isSeq(node)) {
        const item = node.items[Number(segment)];
        if (item === undefined) break;
        key = null;
        node = item;
      } else break;
    }
    return { node: (node as Node | null) ?? key, key };
  }
}

/** The value node of `key` in a map node, and its key node. */
export function entry(map: unknown, key: string): { key: Node; value: Node | null } | undefined {
  if (!isMap(map)) return undefined;
  for (const pair of map.items) {
    if (isPair(pair) && isScalar(pair.key) && String(pair.key.value) === key) {
      return { key: pair.key as Node, value: (pair.value as Node | null) ?? null };
    }
  }
  return undefined;
}

/** The pairs of a map node whose keys are scalars, in order. */
export function entries(map: unknown): { name: string; key: Node; value: Node | null }[] {
  if (!isMap(map)) return [];
  return map.items.flatMap((pair) =>
    isScalar(pair.key)
      ? [
          {
            name: String(pair.key.value),
            key: pair.key as Node,
            value: (pair.value as Node | null) ?? null,
          },
        ]
      : [],
  );
}

/** The items of a sequence node; a lone scalar counts as a sequence of one. */
export function items(node: Node | null | undefined): Node[] {
  if (isSeq(node)) return node.items as Node[];
  if (isScalar(node) && node.value !== null) return [node];
  return [];
}

/** A scalar node's value as a string, or undefined. */
export function text(node: unknown): string | undefined {
  if (!isScalar(node) || node.value === null || node.value === undefined) return undefined;
  return typeof node.value === 'object' ? undefined : String(node.value);
}

/** A node as plain JS data. */
export function toData(node: unknown): unknown {
  if (node === null || node === undefined) return undefined;
  return (node as { toJSON(): unknown }).toJSON();
}

/** Whether `inner` lies inside `outer` (ends included). */
export function rangeContains(outer: SourceRange, inner: SourceRange): boolean {
  const before = (a: SourceRange['start'], b: SourceRange['start']): boolean =>
    a.line < b.line || (a.line === b.line && a.character <= b.character);
  return before(outer.start, inner.start) && before(inner.end, outer.end);
}

/** Whether two ranges are the same. */
export function sameRange(a: SourceRange, b: SourceRange): boolean {
  return (
    a.start.line === b.start.line &&
    a.start.character === b.start.character &&
    a.end.line === b.end.line &&
    a.end.character === b.end.character
  );
}

/** The scalar keys of the document's maps that repeat an earlier key of the same map. */
function duplicateKeys(doc: Document.Parsed): Node[] {
  const repeated: Node[] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        if (seen.has(pair.key.value)) repeated.push(pair.key);
        else seen.add(pair.key.value);
      }
    },
  });
  return repeated;
}

/**
 * Puts each alias's node where the alias is (`*name` reads as the anchored node, its range the
 * anchor's) and applies merge keys (`<<: *base`, `<<: [*a, *b]`: keys the map lacks are taken
 * from the merged maps), so every reader of the tree sees plain maps, lists and scalars.
 */
function expandAliases(doc: Document.Parsed): void {
  const resolve = (node: unknown): unknown => (isAlias(node) ? node.resolve(doc) : node);
  visit(doc, {
    Map(_, map) {
      for (const merge of map.items.filter((p) => isScalar(p.key) && p.key.value === '<<')) {
        const target = resolve(merge.value);
        const sources = isSeq(target) ? target.items.map(resolve) : [target];
        for (const source of sources) {
          if (!isMap(source)) continue;
          for (const pair of source.items) {
            const key = isScalar(pair.key) ? pair.key.value : undefined;
            if (!map.items.some((q) => isScalar(q.key) && q.key.value === key))
              map.items.push(pair);
          }
        }
        map.items.splice(map.items.indexOf(merge), 1);
      }
    },
    Alias(_, alias) {
      return alias.resolve(doc) ?? undefined;
    },
  });
}
