import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { invalid, notFound } from '../model/errors';
import { normalizeArtifactPath, resolveArtifactPath } from './paths';

/** Suffix of the temporary files that `write` renames into place; hidden from listings. */
const TEMP_SUFFIX = '.sextant-tmp';
const DEFAULT_MAX_FILE_BYTES = 5 * 1024 ** 3;

/** Options of {@link LocalArtifactStore}. */
export interface LocalArtifactStoreOptions {
  /** Largest file `write` accepts, in bytes; 5 GiB unless set. */
  maxFileBytes?: number;
}

/** One entry of a listing, shaped like MLflow's `FileInfo`. */
export interface ArtifactEntry {
  /** Posix path relative to the store root, e.g. `1/abc/artifacts/model/MLmodel`. */
  path: string;
  isDir: boolean;
  /** Size in bytes; files only. */
  fileSize?: number;
}

/** An opened artifact: its bytes as a stream, and its size. */
export interface ArtifactRead {
  stream: Readable;
  size: number;
}

const errorCode = (error: unknown): string | undefined => (error as NodeJS.ErrnoException).code;

async function statOrUndefined(target: string): Promise<fs.Stats | undefined> {
  try {
    return await fsp.stat(target);
  } catch (error) {
    if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') return undefined;
    throw error;
  }
}

/**
 * Artifacts on the local disk under one root directory, laid out like MLflow's
 * `<root>/<experiment_id>/<run_id>/artifacts/...`. Every public method takes a client-given path
 * and confines it with {@link resolveArtifactPath}, so none reaches outside the root.
 */
export class LocalArtifactStore {
  /** The absolute root directory. */
  readonly root: string;
  private readonly maxFileBytes: number;

  constructor(root: string, options: LocalArtifactStoreOptions = {}) {
    this.root = path.resolve(root);
    this.maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  }

  /**
   * Writes a file, creating parent directories. The bytes go to a temporary file in the same
   * directory, which is synced and then renamed over the target, so readers and crashes never see
   * a partial file.
   * @throws SextantError INVALID_PARAMETER_VALUE for a refused path, a directory in the way, or
   * data over the size limit (not REQUEST_LIMIT_EXCEEDED: MLflow clients retry that as a 429).
   */
  async write(userPath: string, data: Buffer | NodeJS.ReadableStream): Promise<void> {
    const target = this.resolveFile(userPath);
    if ((await statOrUndefined(target))?.isDirectory()) {
      throw invalid(`Cannot write artifact '${userPath}': a directory has that path.`);
    }
    const dir = path.dirname(target);
    try {
      await fsp.mkdir(dir, { recursive: true });
    } catch (error) {
      if (errorCode(error) !== 'EEXIST' && errorCode(error) !== 'ENOTDIR') throw error;
      throw invalid(`Cannot write artifact '${userPath}': a file is in the way of its directory.`);
    }
    resolveArtifactPath(this.root, userPath);
    const temp = path.join(dir, `.${randomBytes(8).toString('hex')}${TEMP_SUFFIX}`);
    const handle = await fsp.open(temp, 'wx', 0o644);
    try {
      let size = 0;
      for await (const chunk of Buffer.isBuffer(data) ? [data] : data) {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        size += bytes.length;
        if (size > this.maxFileBytes) {
          throw invalid(
            `Artifact '${userPath}' is larger than the limit of ${this.maxFileBytes} bytes; ` +
              'split it or ask the administrator to raise the limit.',
          );
        }
        await handle.write(bytes);
      }
      await handle.sync();
      await handle.close();
      await fsp.rename(temp, target);
    } catch (error) {
      await handle.close().catch(() => undefined);
      await fsp.rm(temp, { force: true });
      throw error;
    }
  }

  /**
   * Opens a file for reading.
   * @throws SextantError RESOURCE_DOES_NOT_EXIST when there is no such file;
   * INVALID_PARAMETER_VALUE for a refused path or a directory.
   */
  async read(userPath: string): Promise<ArtifactRead> {
    const target = resolveArtifactPath(this.root, userPath);
    let handle: fsp.FileHandle;
    try {
      handle = await fsp.open(target, 'r');
    } catch (error) {
      if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') {
        throw notFound(`Artifact '${userPath}' does not exist.`);
      }
      throw error;
    }
    const stats = await handle.stat();
    if (!stats.isFile()) {
      await handle.close();
      throw invalid(`Artifact '${userPath}' is a directory; list it instead of reading it.`);
    }
    return { stream: handle.createReadStream(), size: stats.size };
  }

  /**
   * Lists one level of a directory, sorted by path, as MLflow does. A missing path or a file
   * lists as empty. Entries that are links leading outside the root are left out.
   * @throws SextantError INVALID_PARAMETER_VALUE for a refused path.
   */
  async list(userPath = ''): Promise<ArtifactEntry[]> {
    const dir = resolveArtifactPath(this.root, userPath);
    const prefix = normalizeArtifactPath(userPath);
    if (!(await statOrUndefined(dir))?.isDirectory()) return [];
    const entries: ArtifactEntry[] = [];
    for (const name of await fsp.readdir(dir)) {
      if (name.endsWith(TEMP_SUFFIX)) continue;
      const relative = prefix === '' ? name : `${prefix}/${name}`;
      let stats: fs.Stats | undefined;
      try {
        stats = await statOrUndefined(resolveArtifactPath(this.root, relative));
      } catch {
        continue;
      }
      if (stats?.isDirectory()) entries.push({ path: relative, isDir: true });
      else if (stats?.isFile())
        entries.push({ path: relative, isDir: false, fileSize: stats.size });
    }
    return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /**
   * Whether a file or directory exists at the path.
   * @throws SextantError INVALID_PARAMETER_VALUE for a refused path.
   */
  async exists(userPath: string): Promise<boolean> {
    return (await statOrUndefined(resolveArtifactPath(this.root, userPath))) !== undefined;
  }

  /**
   * Deletes a file, or a directory with everything in it; a missing path is not an error, as in
   * MLflow. A link is removed, never what it points to.
   * @throws SextantError INVALID_PARAMETER_VALUE for a refused path or the root itself.
   */
  async delete(userPath: string): Promise<void> {
    const target = resolveArtifactPath(this.root, userPath);
    if (target === this.root) {
      throw invalid('Refusing to delete the whole artifact store: give the path of an artifact.');
    }
    await fsp.rm(target, { recursive: true, force: true });
  }

  private resolveFile(userPath: string): string {
    const target = resolveArtifactPath(this.root, userPath);
    if (target === this.root) throw invalid('Cannot write an artifact without a file path.');
    if (path.basename(target).endsWith(TEMP_SUFFIX)) {
      throw invalid(`Artifact names ending in '${TEMP_SUFFIX}' are reserved for partial uploads.`);
    }
    return target;
  }
}
