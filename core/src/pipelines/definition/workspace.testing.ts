import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SourceRange } from '../../model/pipeline';

/** Test helper: a temporary workspace holding the given files (path → content). */
export function workspace(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sextant-spec-'));
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(root, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
  return root;
}

/**
 * Test helper: the range of the `nth` occurrence of `needle` in `text` (0-based line and
 * character), found by plain string search, to compare with a diagnostic's range.
 */
export function rangeOf(text: string, needle: string, nth = 0): SourceRange {
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`'${needle}' occurs fewer than ${nth + 1} times`);
  }
  const position = (offset: number): { line: number; character: number } => {
    const before = text.slice(0, offset).split('\n');
    return { line: before.length - 1, character: before[before.length - 1]!.length };
  };
  return { start: position(at), end: position(at + needle.length) };
}

/** Test helper: the range of the `nth` map key `key` (a line `<indent>key:`) in `text`. */
export function keyRange(text: string, key: string, nth = 0): SourceRange {
  const lines = text.split('\n');
  let seen = 0;
  for (const [line, content] of lines.entries()) {
    const match = /^(\s*)(\S[^:]*):/.exec(content);
    if (match && match[2] === key && seen++ === nth) {
      const character = match[1]!.length;
      return { start: { line, character }, end: { line, character: character + key.length } };
    }
  }
  throw new Error(`no key '${key}' (occurrence ${nth + 1})`);
}
