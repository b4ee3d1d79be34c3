/** Where the cursor is in a YAML file, read from indentation so half-typed text still answers. */
export interface CursorContext {
  /** The keys above the cursor, outermost first; at a value, the last is the value's key. */
  path: string[];
  /** Whether the cursor is where a key is typed. */
  atKey: boolean;
  /** The word being typed (after `[`, `,`, `- `, `: `, a quote or a space), up to the cursor. */
  word: string;
  /** The text of the line before the cursor. */
  before: string;
}

/** `key:` at the start of a line (after an optional `- `): indent of the dash, of the key, the key. */
const KEY_LINE = /^(\s*)(-\s+)?(["']?)([^\s"'#:{}[\],][^:#]*?)\3\s*:(?=\s|$)/;

/** The keys enclosing a line, from the lines above it whose key is indented less than `limit`. */
function parents(lines: string[], line: number, limit: number): string[] {
  const path: string[] = [];
  for (let i = line - 1; i >= 0 && limit > 0; i--) {
    const candidate = lines[i]!;
    if (/^\s*(#|$)/.test(candidate)) continue;
    const indent = /^\s*/.exec(candidate)![0].length;
    const match = KEY_LINE.exec(candidate);
    if (match) {
      const keyIndent = indent + (match[2]?.length ?? 0);
      if (keyIndent < limit) {
        path.unshift(match[4]!.trim());
        limit = indent;
      } else if (match[2] && indent < limit) {
        limit = indent;
      }
    } else if (indent < limit) {
      limit = indent;
    }
  }
  return path;
}

/** Reads the cursor's context in `text` at a 0-based line and character. */
export function cursorContext(text: string, line: number, character: number): CursorContext {
  const lines = text.split(/\r?\n/);
  const before = (lines[line] ?? '').slice(0, character);
  const word = /[^\s[,'"]*$/.exec(before)?.[0] ?? '';
  const own = KEY_LINE.exec(before);
  if (own) {
    const keyIndent = own[1]!.length + (own[2]?.length ?? 0);
    return {
      path: [...parents(lines, line, keyIndent), own[4]!.trim()],
      atKey: false,
      word,
      before,
    };
  }
  const item = /^(\s*)-\s+/.exec(before);
  if (item) {
    return { path: parents(lines, line, item[1]!.length + 1), atKey: false, word, before };
  }
  const indent = /^\s*/.exec(before)![0].length;
  return { path: parents(lines, line, indent), atKey: true, word, before };
}
