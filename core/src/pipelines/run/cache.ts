import { randomBytes } from 'node:crypto';
import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { CacheCollection } from '../../model/pipeline';
import type { FileHasher, ManifestEntry, PathHash } from './fileHash';

/** One output of a cached step execution: its workspace-relative path and content digest. */
export interface CachedOutput {
  path: string;
  digest: string;
}

/** What the cache keeps for one cache key: the outputs a step made, and the run that made them. */
export interface CacheEntry {
  key: string;
  outputs: CachedOutput[];
  /** The tracking run of the execution that filled the entry. */
  runId?: string;
  /**
   * The log artifacts that run stored (`logs/stdout.txt`, `logs/stderr.txt`; a silent step has
   * none), so a restore copies only those; absent in entries older than this field: try both.
   */
  logs?: string[];
  time: number;
}

const HEX_KEY = /^[0-9a-f]{16,128}$/;

/** A size for people: `512 B`, `1.5 KiB`, `3.2 MiB`, `1.1 GiB`. */
function sizeText(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/**
 * One sentence for people about a collection: `removed 3 step versions, 7 files (1.2 MiB); kept 5
 * step versions, 9 files (30.0 MiB)`, or for a dry run `would remove … and keep …`; the virtual
 * environments follow the files where the store has any (`, 1 environment (80.0 MiB)`).
 */
export function describeCollection(c: CacheCollection): string {
  const versions = (n: number): string => `${n} step version${n === 1 ? '' : 's'}`;
  const files = (n: number, bytes: number): string =>
    `${n} file${n === 1 ? '' : 's'} (${sizeText(bytes)})`;
  const environments = (n: number, bytes: number): string =>
    c.environments.kept + c.environments.removed === 0
      ? ''
      : `, ${n} environment${n === 1 ? '' : 's'} (${sizeText(bytes)})`;
  const removed =
    `${versions(c.entries.removed)}, ${files(c.objects.removed, c.bytes.removed)}` +
    environments(c.environments.removed, c.environmentBytes.removed);
  const kept =
    `${versions(c.entries.kept)}, ${files(c.objects.kept, c.bytes.kept)}` +
    environments(c.environments.kept, c.environmentBytes.kept);
  return c.dryRun ? `would remove ${removed} and keep ${kept}` : `removed ${removed}; kept ${kept}`;
}

/** Left-over `.tmp` files of an interrupted write are removed once this old, in ms. */
const TEMP_FILE_AGE_MS = 60 * 60 * 1000;

/** The hex part of `md5:<hex>` or `md5:<hex>.dir`. */
function hexOf(digest: string): { hex: string; dir: boolean } {
  const match = /^md5:([0-9a-f]{32})(\.dir)?$/.exec(digest);
  if (!match) throw new Error(`not a content digest: '${digest}'`);
  return { hex: match[1] as string, dir: match[2] !== undefined };
}

/**
 * The content-addressed cache under `<store>/cache/`: file contents by MD5 in `objects/`, folders
 * as JSON manifests (`<md5>.dir`) listing their files, and one entry per step cache key in
 * `steps/`. Objects are read-only; outputs are restored by reflink where the file system has it,
 * else by copy, so editing a restored file never changes the cache.
 */
export class ContentCache {
  constructor(
    readonly root: string,
    private readonly hasher: FileHasher,
  ) {}

  /** The entry for a step cache key when it and every object it names are present. */
  async lookup(key: string): Promise<CacheEntry | undefined> {
    if (!HEX_KEY.test(key)) throw new Error(`not a cache key: '${key}'`);
    let entry: CacheEntry;
    try {
      entry = JSON.parse(await fs.readFile(this.entryFile(key), 'utf8')) as CacheEntry;
    } catch {
      return undefined;
    }
    for (const output of entry.outputs)
      if (!(await this.hasObject(output.digest))) return undefined;
    return entry;
  }

  /** Stores the outputs (already hashed) and writes the entry for `key`. */
  async save(
    key: string,
    root: string,
    outputs: Array<{ path: string; hash: PathHash }>,
    runId?: string,
    logs?: string[],
  ): Promise<CacheEntry> {
    const stored: CachedOutput[] = [];
    for (const { path: relative, hash } of outputs) {
      const absolute = path.join(root, relative);
      if (hash.kind === 'file') await this.storeFile(absolute, hexOf(hash.digest).hex);
      else if (hash.kind === 'dir') {
        for (const e of hash.entries) await this.storeFile(path.join(absolute, e.path), e.md5);
        await this.writeAtomic(
          this.objectFile(hexOf(hash.digest).hex, true),
          JSON.stringify(hash.entries),
        );
      } else throw new Error(`output '${relative}' does not exist`);
      stored.push({ path: relative, digest: hash.digest });
    }
    const entry: CacheEntry = {
      key,
      outputs: stored,
      ...(runId ? { runId } : {}),
      ...(logs ? { logs } : {}),
      time: Date.now(),
    };
    await this.writeAtomic(this.entryFile(key), JSON.stringify(entry));
    return entry;
  }

  /** Puts each output of an entry in place under `root`, skipping those already identical. */
  async restore(entry: CacheEntry, root: string): Promise<void> {
    for (const output of entry.outputs) {
      const target = path.join(root, output.path);
      const current = await this.hasher.hash(target);
      if (current.kind !== 'missing' && current.digest === output.digest) continue;
      await fs.rm(target, { recursive: true, force: true });
      const { hex, dir } = hexOf(output.digest);
      if (!dir) {
        await this.restoreFile(hex, target);
        continue;
      }
      const entries = await this.manifest(hex);
      await fs.mkdir(target, { recursive: true });
      for (const e of entries) await this.restoreFile(e.md5, path.join(target, e.path));
    }
  }

  /** Whether the object(s) of a digest are all in the cache. */
  async hasObject(digest: string): Promise<boolean> {
    const { hex, dir } = hexOf(digest);
    if (!dir) return exists(this.objectFile(hex, false));
    let entries: ManifestEntry[];
    try {
      entries = await this.manifest(hex);
    } catch {
      return false;
    }
    for (const e of entries) if (!(await exists(this.objectFile(e.md5, false)))) return false;
    return true;
  }

  /** The files of a folder digest (`md5:<hex>.dir`); empty for a file digest or a lost manifest. */
  async manifestOf(digest: string): Promise<ManifestEntry[]> {
    const { hex, dir } = hexOf(digest);
    if (!dir) return [];
    return this.manifest(hex).catch(() => []);
  }

  /**
   * Removes the entries whose key `keep` lacks, then every object no kept entry names, and
   * answers what went (with `dryRun`, what would go; nothing is removed). Files written since
   * the collection began are never removed, so a step saving its outputs meanwhile keeps them;
   * entries go before objects, so an interrupted collection leaves no entry without its objects.
   * An entry that cannot be read, or names a folder manifest that is gone, is removed.
   */
  async collect(keep: ReadonlySet<string>, dryRun: boolean): Promise<CacheCollection> {
    const began = Date.now();
    const result: CacheCollection = {
      dryRun,
      entries: { kept: 0, removed: 0 },
      objects: { kept: 0, removed: 0 },
      bytes: { kept: 0, removed: 0 },
      environments: { kept: 0, removed: 0 },
      environmentBytes: { kept: 0, removed: 0 },
    };
    const remove = async (file: string): Promise<void> => {
      if (!dryRun) await fs.rm(file, { force: true });
    };
    const named = new Set<string>();
    for (const file of await filesUnder(path.join(this.root, 'steps'))) {
      const stat = await statOf(file);
      if (!stat) continue;
      const key = keyOfEntryFile(this.root, file);
      if (key === undefined) {
        if (stat.mtimeMs < began - TEMP_FILE_AGE_MS && file.endsWith('.tmp')) await remove(file);
        continue;
      }
      const kept = keep.has(key) || stat.mtimeMs >= began;
      const objects = kept ? await this.objectsOf(file) : undefined;
      if (objects) {
        for (const object of objects) named.add(object);
        result.entries.kept++;
      } else {
        await remove(file);
        result.entries.removed++;
      }
    }
    for (const file of await filesUnder(path.join(this.root, 'objects'))) {
      const stat = await statOf(file);
      if (!stat) continue;
      const relative = path.relative(path.join(this.root, 'objects'), file);
      const isTemp = file.endsWith('.tmp');
      if (
        isTemp
          ? stat.mtimeMs >= began - TEMP_FILE_AGE_MS
          : named.has(relative) || stat.mtimeMs >= began
      ) {
        result.objects.kept++;
        result.bytes.kept += stat.size;
      } else {
        await remove(file);
        result.objects.removed++;
        result.bytes.removed += stat.size;
      }
    }
    if (!dryRun) await removeEmptyFolders(this.root);
    return result;
  }

  /**
   * The files under `objects/` (relative to it) that a step entry needs; undefined when the
   * entry cannot be read or a folder manifest it names is gone.
   */
  private async objectsOf(entryFile: string): Promise<string[] | undefined> {
    let entry: CacheEntry;
    try {
      entry = JSON.parse(await fs.readFile(entryFile, 'utf8')) as CacheEntry;
    } catch {
      return undefined;
    }
    const objects: string[] = [];
    const relative = (hex: string, dir: boolean): string =>
      path.relative(path.join(this.root, 'objects'), this.objectFile(hex, dir));
    for (const output of entry.outputs ?? []) {
      let digest: { hex: string; dir: boolean };
      try {
        digest = hexOf(output.digest);
      } catch {
        return undefined;
      }
      objects.push(relative(digest.hex, digest.dir));
      if (!digest.dir) continue;
      let entries: ManifestEntry[];
      try {
        entries = await this.manifest(digest.hex);
      } catch {
        return undefined;
      }
      for (const e of entries) objects.push(relative(e.md5, false));
    }
    return objects;
  }

  private async manifest(hex: string): Promise<ManifestEntry[]> {
    return JSON.parse(await fs.readFile(this.objectFile(hex, true), 'utf8')) as ManifestEntry[];
  }

  private async storeFile(source: string, md5: string): Promise<void> {
    const target = this.objectFile(md5, false);
    if (await exists(target)) return;
    await fs.mkdir(path.dirname(target), { recursive: true });
    const temp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    await fs.copyFile(source, temp, fsSync.constants.COPYFILE_FICLONE);
    await fs.chmod(temp, 0o444);
    await fs.rename(temp, target);
  }

  private async restoreFile(md5: string, target: string): Promise<void> {
    const source = this.objectFile(md5, false);
    await fs.mkdir(path.dirname(target), { recursive: true });
    await fs.copyFile(source, target, fsSync.constants.COPYFILE_FICLONE);
    await fs.chmod(target, 0o644);
    const stat = await fs.stat(source);
    await fs.utimes(target, stat.atime, stat.mtime);
    await this.hasher.remember(target, md5);
  }

  private async writeAtomic(file: string, text: string): Promise<void> {
    await fs.mkdir(path.dirname(file), { recursive: true });
    const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    await fs.writeFile(temp, text);
    await fs.rename(temp, file);
  }

  private objectFile(hex: string, dir: boolean): string {
    return path.join(this.root, 'objects', hex.slice(0, 2), `${hex.slice(2)}${dir ? '.dir' : ''}`);
  }

  private entryFile(key: string): string {
    return path.join(this.root, 'steps', key.slice(0, 2), `${key.slice(2)}.json`);
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

/** Every file under a folder, at any depth (none when it does not exist). */
async function filesUnder(root: string): Promise<string[]> {
  const entries = await fs.readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

async function statOf(file: string): Promise<fsSync.Stats | undefined> {
  return fs.stat(file).catch(() => undefined);
}

/** The cache key of `steps/ab/cdef….json`; undefined for any other file. */
function keyOfEntryFile(root: string, file: string): string | undefined {
  const [folder, name, ...rest] = path.relative(path.join(root, 'steps'), file).split(path.sep);
  if (!folder || !name || rest.length > 0 || !name.endsWith('.json')) return undefined;
  const key = folder + name.slice(0, -'.json'.length);
  return HEX_KEY.test(key) ? key : undefined;
}

/** Removes the folders left empty under `objects/` and `steps/` (the cache's own folders stay). */
async function removeEmptyFolders(root: string): Promise<void> {
  for (const top of ['objects', 'steps']) {
    const folders = await fs.readdir(path.join(root, top), { withFileTypes: true }).catch(() => []);
    for (const folder of folders) {
      if (!folder.isDirectory()) continue;
      // rmdir fails on a folder that is not empty, which is the test wanted.
      await fs.rmdir(path.join(root, top, folder.name)).catch(() => undefined);
    }
  }
}
