import type Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { LoadedPipelineFile, LoadPipelineFile } from '../api';
import { inputsUnchanged, readTextNow, type DiskInputs } from '../definition/diskInputs';
import { loaderStamp } from '../definition/stamp';
import { StatementCache } from '../../store';

/** What a kept load found on disk, as stored: each file's text as a digest, each path's presence. */
interface StoredInputs {
  reads: [file: string, digest: string | null][];
  checks: [file: string, existed: boolean][];
}

const digestOf = (text: string): string => createHash('sha1').update(text).digest('base64');

/**
 * The last load of each pipeline file, kept in the store so that the next process (the command
 * line, a restarted language server) need not parse and check the file again: a kept load is
 * used while every file it read has the same text, every path it checked is still there or still
 * absent, and it was made by this build of the loader ({@link loaderStamp}). A 1,000-step file
 * loads in milliseconds instead of a few hundred.
 */
export class PersistedLoads {
  private readonly sql: StatementCache;

  /**
   * `stamp` gives the loader's build stamp, asked for on the first get or put: opening a store
   * (`sextant runs list`, the server) does not list the loader's files.
   */
  constructor(
    db: Database.Database,
    private readonly stamp: () => string = loaderStamp,
  ) {
    this.sql = new StatementCache(db);
  }

  /** The kept load of `file` (absolute) and what it read, when the disk still answers the same. */
  get(file: string): { loaded: LoadedPipelineFile; inputs: DiskInputs } | undefined {
    const row = this.sql
      .get('SELECT stamp, inputs, loaded FROM pipeline_loads WHERE file = ?')
      .get(file) as { stamp: string; inputs: string; loaded: string } | undefined;
    if (!row || row.stamp !== this.stamp()) return undefined;
    let stored: StoredInputs;
    try {
      stored = JSON.parse(row.inputs) as StoredInputs;
    } catch {
      return undefined;
    }
    const reads = new Map<string, string | null>();
    for (const [read, digest] of stored.reads) {
      const text = readTextNow(read);
      if ((text === null ? null : digestOf(text)) !== digest) return undefined;
      reads.set(read, text);
    }
    for (const [checked, existed] of stored.checks) {
      if (fs.existsSync(checked) !== existed) return undefined;
    }
    try {
      const loaded = JSON.parse(row.loaded) as LoadedPipelineFile;
      return { loaded, inputs: { reads, checks: new Map(stored.checks) } };
    } catch {
      return undefined;
    }
  }

  /** Keeps a load of `file` (absolute) with what it found on disk. */
  put(file: string, loaded: LoadedPipelineFile, inputs: DiskInputs): void {
    const stored: StoredInputs = {
      reads: [...inputs.reads].map(([read, text]) => [read, text === null ? null : digestOf(text)]),
      checks: [...inputs.checks],
    };
    this.sql
      .get(
        `INSERT INTO pipeline_loads (file, stamp, inputs, loaded, saved_time) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (file) DO UPDATE SET stamp = excluded.stamp, inputs = excluded.inputs,
           loaded = excluded.loaded, saved_time = excluded.saved_time`,
      )
      .run(file, this.stamp(), JSON.stringify(stored), JSON.stringify(loaded), Date.now());
  }

  /** Forgets the kept loads of pipeline files that are gone; answers how many. */
  async prune(): Promise<number> {
    const files = this.sql.get('SELECT file FROM pipeline_loads').pluck().all() as string[];
    let forgotten = 0;
    for (const file of files) {
      try {
        await fs.promises.access(file);
      } catch {
        this.sql.get('DELETE FROM pipeline_loads WHERE file = ?').run(file);
        forgotten++;
      }
    }
    return forgotten;
  }
}

/** Pipeline files whose last load is kept in memory (see {@link PipelineLoads}). */
const MAX_ANALYSES = 64;

/** Freezes an object and everything in it: a kept load is shared by every run of its file. */
function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * Loads pipeline files, keeping the last load of each: a file loaded before is not parsed again
 * while the disk answers as it did then (the same text of every file read, the same paths
 * present). A long-lived process keeps the last {@link MAX_ANALYSES} loads in memory, frozen;
 * the store keeps every file's last load for the next process ({@link PersistedLoads}).
 */
export class PipelineLoads {
  /** The last load of each pipeline file, with what it found on disk, oldest first. */
  private readonly analyses = new Map<string, { loaded: LoadedPipelineFile; inputs: DiskInputs }>();
  private readonly persisted: PersistedLoads;

  /** `load` replaces the definition loader, and then nothing is kept. */
  constructor(
    db: Database.Database,
    private readonly load?: LoadPipelineFile,
  ) {
    this.persisted = new PersistedLoads(db);
  }

  /** Loads and validates a pipeline file: its resolved pipelines and every problem found. */
  async get(file: string): Promise<LoadedPipelineFile> {
    const absolute = path.resolve(file);
    if (this.load) return this.load(absolute);
    const known = this.analyses.get(absolute);
    if (known && inputsUnchanged(known.inputs)) return known.loaded;
    this.analyses.delete(absolute);
    const kept = this.persisted.get(absolute);
    if (kept) {
      this.remember(absolute, kept.loaded, kept.inputs);
      return kept.loaded;
    }
    // The definition's parser and checks are loaded only when a file must be parsed.
    const { analyzePipelineFile } =
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- on demand, synchronous
      require('../definition/loader') as typeof import('../definition/loader');
    const analysis = await analyzePipelineFile(absolute);
    const loaded: LoadedPipelineFile = {
      file: analysis.file,
      pipelines: analysis.pipelines,
      diagnostics: analysis.diagnostics,
    };
    if (analysis.inputs) {
      this.persisted.put(absolute, loaded, analysis.inputs);
      this.remember(absolute, loaded, analysis.inputs);
    }
    return loaded;
  }

  /** Forgets the kept loads of pipeline files that are gone; answers how many. */
  prune(): Promise<number> {
    return this.persisted.prune();
  }

  /** Keeps a load in memory, the oldest dropped past {@link MAX_ANALYSES}. */
  private remember(file: string, loaded: LoadedPipelineFile, inputs: DiskInputs): void {
    this.analyses.set(file, { loaded: deepFreeze(loaded), inputs });
    if (this.analyses.size > MAX_ANALYSES) {
      const oldest = this.analyses.keys().next().value as string;
      this.analyses.delete(oldest);
    }
  }
}
