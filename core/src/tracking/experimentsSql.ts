import type Database from 'better-sqlite3';
import type { Experiment, KeyValue, LifecycleStage, Page } from '../model';
import { invalid, notFound, SextantError } from '../model/errors';
import { limitClause } from '../store';
import { decodePageToken, toPage } from './pageToken';
import { toExperiment, type ExperimentRow } from './rows';
import { compileExperimentSearch } from './search/sql';
import { SQL, stagesFor, type RowLookups, type Sql } from './sqlLookups';
import type { SearchExperimentsInput } from './store';

/** Experiments and their tags in the SQLite tracking store. */
export class ExperimentsSql {
  constructor(
    private readonly db: Database.Database,
    private readonly sql: Sql,
    private readonly rows: RowLookups,
    private readonly artifactRootUri: string,
  ) {}

  /** Creates experiment 0, 'Default', unless it exists. */
  ensureDefaultExperiment(): void {
    const now = Date.now();
    this.sql(
      `INSERT OR IGNORE INTO experiments (experiment_id, name, artifact_location, creation_time, last_update_time)
         VALUES (0, 'Default', ?, ?, ?)`,
    ).run(`${this.artifactRootUri}0`, now, now);
  }

  async createExperiment(
    name: string,
    artifactLocation: string | undefined,
    tags: KeyValue[],
  ): Promise<string> {
    return this.db
      .transaction(() => {
        if (this.sql(SQL.experimentByName).get(name)) {
          throw new SextantError('RESOURCE_ALREADY_EXISTS', `Experiment '${name}' already exists.`);
        }
        const now = Date.now();
        const result = this.sql(
          'INSERT INTO experiments (name, artifact_location, creation_time, last_update_time) VALUES (?, ?, ?, ?)',
        ).run(name, artifactLocation ?? '', now, now);
        const id = Number(result.lastInsertRowid);
        if (!artifactLocation) {
          this.sql('UPDATE experiments SET artifact_location = ? WHERE experiment_id = ?').run(
            `${this.artifactRootUri}${id}`,
            id,
          );
        }
        const insertTag = this.sql(
          'INSERT OR REPLACE INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?)',
        );
        for (const tag of tags) insertTag.run(id, tag.key, tag.value);
        return String(id);
      })
      .immediate();
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    const row = this.rows.experimentRow(experimentId);
    return toExperiment(row, this.sql(SQL.experimentTags).all(row.experiment_id) as KeyValue[]);
  }

  async getExperimentByName(name: string): Promise<Experiment | undefined> {
    const row = this.sql(SQL.experimentByName).get(name) as ExperimentRow | undefined;
    return (
      row && toExperiment(row, this.sql(SQL.experimentTags).all(row.experiment_id) as KeyValue[])
    );
  }

  async searchExperiments(input: SearchExperimentsInput): Promise<Page<Experiment>> {
    const compiled = compileExperimentSearch(input.filter, input.orderBy);
    const offset = decodePageToken(input.pageToken);
    const rows = this.sql(
      `SELECT e.* FROM experiments e
         WHERE e.lifecycle_stage IN (SELECT value FROM json_each(?)) AND (${compiled.where})
         ORDER BY ${compiled.orderBy} ${limitClause(input.maxResults + 1, offset)}`,
    ).all(JSON.stringify(stagesFor(input.viewType)), ...compiled.params) as ExperimentRow[];
    const page = toPage(rows, offset, input.maxResults);
    return {
      ...page,
      items: page.items.map((row) =>
        toExperiment(row, this.sql(SQL.experimentTags).all(row.experiment_id) as KeyValue[]),
      ),
    };
  }

  async renameExperiment(experimentId: string, name: string): Promise<void> {
    this.db
      .transaction(() => {
        const row = this.rows.experimentRow(experimentId);
        if (row.lifecycle_stage !== 'active') {
          throw invalid(`Cannot rename a non-active experiment ${experimentId}.`);
        }
        const clash = this.sql(SQL.experimentByName).get(name) as ExperimentRow | undefined;
        if (clash && clash.experiment_id !== row.experiment_id) {
          throw new SextantError('RESOURCE_ALREADY_EXISTS', `Experiment '${name}' already exists.`);
        }
        this.sql(
          'UPDATE experiments SET name = ?, last_update_time = ? WHERE experiment_id = ?',
        ).run(name, Date.now(), row.experiment_id);
      })
      .immediate();
  }

  async setExperimentLifecycle(experimentId: string, stage: LifecycleStage): Promise<void> {
    this.db
      .transaction(() => {
        const row = this.rows.experimentRow(experimentId);
        if (stage === 'deleted' && row.experiment_id === 0) {
          throw invalid(
            'Cannot delete the default experiment 0. This is an internally reserved experiment.',
          );
        }
        if (row.lifecycle_stage === stage) {
          throw invalid(
            `Cannot ${stage === 'deleted' ? 'delete' : 'restore'} experiment ${experimentId}: it is already ${stage}.`,
          );
        }
        const now = Date.now();
        this.sql(
          'UPDATE experiments SET lifecycle_stage = ?, last_update_time = ? WHERE experiment_id = ?',
        ).run(stage, now, row.experiment_id);
        this.sql(
          'UPDATE runs SET lifecycle_stage = ?, deleted_time = ? WHERE experiment_id = ? AND lifecycle_stage != ?',
        ).run(stage, stage === 'deleted' ? now : null, row.experiment_id, stage);
      })
      .immediate();
  }

  async setExperimentTag(experimentId: string, tag: KeyValue): Promise<void> {
    this.db
      .transaction(() => {
        const row = this.rows.experimentRow(experimentId);
        if (row.lifecycle_stage !== 'active') {
          throw invalid(`The experiment ${experimentId} must be in the 'active' state.`);
        }
        this.sql(
          'INSERT OR REPLACE INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?)',
        ).run(row.experiment_id, tag.key, tag.value);
      })
      .immediate();
  }

  async deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    this.db
      .transaction(() => {
        const row = this.rows.experimentRow(experimentId);
        const result = this.sql(
          'DELETE FROM experiment_tags WHERE experiment_id = ? AND key = ?',
        ).run(row.experiment_id, key);
        if (result.changes === 0)
          throw notFound(`No tag with name: ${key} in experiment ${experimentId}.`);
      })
      .immediate();
  }
}
