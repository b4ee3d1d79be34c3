import fs from 'node:fs';
import type { Node } from 'yaml';
import type { SourceRange } from '../../model/pipeline';
import { entry } from './source';
import { SourceFile } from './source';
import type { DiskInputs } from './diskInputs';

export { inputsUnchanged, type DiskInputs } from './diskInputs';

/**
 * Reads the files a load needs, once each: the editor's unsaved text (`overlays`, by absolute
 * path) before the disk. It remembers what the disk answered ({@link inputs}).
 */
export class FileReader {
  private readonly sources = new Map<string, SourceFile | Error>();
  private readonly reads = new Map<string, string | null>();
  private readonly checks = new Map<string, boolean>();
  private overlaid = false;

  constructor(private readonly overlays: ReadonlyMap<string, string> = new Map()) {}

  /** What the disk answered, or undefined when an editor's unsaved text was used. */
  get inputs(): DiskInputs | undefined {
    return this.overlaid ? undefined : { reads: this.reads, checks: this.checks };
  }

  /** The text of a file, or the error reading it. */
  read(file: string): string | Error {
    const overlay = this.overlays.get(file);
    if (overlay !== undefined) {
      this.overlaid = true;
      return overlay;
    }
    try {
      const text = fs.readFileSync(file, 'utf8');
      this.reads.set(file, text);
      return text;
    } catch (error) {
      this.reads.set(file, null);
      return error as Error;
    }
  }

  /** A YAML (or JSON) file, parsed. */
  yaml(file: string): SourceFile | Error {
    let source = this.sources.get(file);
    if (!source) {
      const content = this.read(file);
      source = content instanceof Error ? content : new SourceFile(file, content);
      this.sources.set(file, source);
    }
    return source;
  }

  /** Whether a path exists on disk (or is open in the editor). */
  exists(file: string): boolean {
    if (this.overlays.has(file)) {
      this.overlaid = true;
      return true;
    }
    const found = fs.existsSync(file);
    this.checks.set(file, found);
    return found;
  }
}

/** The node of a dotted key (`train.lr`) in a parsed params file, if it is there. */
export function paramKeyNode(
  source: SourceFile,
  key: string,
): { key: Node; value: Node | null } | undefined {
  let map: unknown = source.doc.contents;
  let found: { key: Node; value: Node | null } | undefined;
  for (const part of key.split('.')) {
    found = entry(map, part);
    if (!found) return undefined;
    map = found.value;
  }
  return found;
}

/** The range of a dotted key in a params file, for go-to-definition; undefined when absent. */
export function paramKeyRange(source: SourceFile, key: string): SourceRange | undefined {
  const found = paramKeyNode(source, key);
  return found ? source.rangeOf(found.key) : undefined;
}

/** Every dotted key of a params file (leaves and the maps above them), for completion. */
export function paramKeys(data: unknown, prefix = ''): string[] {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return [];
  return Object.entries(data as Record<string, unknown>).flatMap(([k, v]) => {
    const key = prefix ? `${prefix}.${k}` : k;
    return [key, ...paramKeys(v, key)];
  });
}
