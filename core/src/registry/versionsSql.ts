import { limitClause, type UnitOfWork } from '../store';
import type { KeyValue, ModelStage, ModelVersion, Page } from '../model';
import { notFound } from '../model/errors';
import { decodePageToken, toPage } from '../tracking';
import {
  placeholders,
  VERSION_SELECT,
  type RegistryEvents,
  type RegistryLookups,
  type Sql,
  type VersionRow,
} from './rows';
import { compileVersionSearch } from './search';
import type { Actor, CreateVersionInput, SearchInput } from './store';

/** Model versions, their tags and stages in the SQLite registry store. */
export class VersionsSql {
  constructor(
    private readonly unit: UnitOfWork,
    private readonly sql: Sql,
    private readonly rows: RegistryLookups,
    private readonly events: RegistryEvents,
  ) {}

  private touch(row: VersionRow, now = Date.now()): void {
    this.sql('UPDATE model_versions SET last_update_time = ? WHERE version_pk = ?').run(
      now,
      row.version_pk,
    );
    this.sql('UPDATE registered_models SET last_update_time = ? WHERE model_pk = ?').run(
      now,
      row.model_pk,
    );
  }

  private entity(row: VersionRow): ModelVersion {
    return this.rows.versions([row])[0]!;
  }

  async createVersion(input: CreateVersionInput, actor: Actor): Promise<ModelVersion> {
    const row = this.unit.write(() => {
      const model = this.rows.model(input.name);
      const version = model.last_version + 1;
      const now = Date.now();
      this.sql(
        'UPDATE registered_models SET last_version = ?, last_update_time = ? WHERE model_pk = ?',
      ).run(version, now, model.model_pk);
      const pk = Number(
        this.sql(
          `INSERT INTO model_versions (model_pk, version, creation_time, last_update_time, user_id,
             description, source, storage_location, run_id, run_link, model_id, status, status_message,
             facts, lineage)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          model.model_pk,
          version,
          now,
          now,
          actor.user,
          input.description,
          input.source,
          input.storageLocation,
          input.runId,
          input.runLink,
          input.modelId,
          input.status,
          input.statusMessage,
          input.facts ? JSON.stringify(input.facts) : null,
          input.lineage ? JSON.stringify(input.lineage) : null,
        ).lastInsertRowid,
      );
      const tag = this.sql(
        'INSERT OR REPLACE INTO model_version_tags (version_pk, key, value) VALUES (?, ?, ?)',
      );
      for (const t of input.tags) tag.run(pk, t.key, t.value);
      this.events.record(
        input.name,
        'version_created',
        actor,
        {
          source: input.source,
          ...(input.runId ? { runId: input.runId } : {}),
          ...(input.modelId ? { modelId: input.modelId } : {}),
        },
        version,
        now,
      );
      return this.rows.version(input.name, String(version));
    });
    return this.entity(row);
  }

  async getVersion(name: string, version: string): Promise<ModelVersion> {
    return this.entity(this.rows.version(name, version));
  }

  async updateVersion(
    name: string,
    version: string,
    description: string,
    actor: Actor,
  ): Promise<ModelVersion> {
    this.unit.write(() => {
      const row = this.rows.version(name, version);
      this.sql('UPDATE model_versions SET description = ? WHERE version_pk = ?').run(
        description,
        row.version_pk,
      );
      this.touch(row);
      this.events.record(name, 'version_updated', actor, { description }, row.version);
    });
    return this.getVersion(name, version);
  }

  async transitionStage(
    name: string,
    version: string,
    stage: ModelStage,
    archiveExisting: boolean,
    actor: Actor,
  ): Promise<ModelVersion> {
    this.unit.write(() => {
      const row = this.rows.version(name, version);
      const now = Date.now();
      if (archiveExisting) {
        const others = this.sql(
          `SELECT version FROM model_versions WHERE model_pk = ? AND current_stage = ? AND version_pk != ?`,
        ).all(row.model_pk, stage, row.version_pk) as { version: number }[];
        this.sql(
          `UPDATE model_versions SET current_stage = 'Archived', last_update_time = ?
            WHERE model_pk = ? AND current_stage = ? AND version_pk != ?`,
        ).run(now, row.model_pk, stage, row.version_pk);
        for (const other of others) {
          this.events.record(
            name,
            'stage_transitioned',
            actor,
            { from: stage, to: 'Archived', archivedBy: String(row.version) },
            other.version,
            now,
          );
        }
      }
      this.sql('UPDATE model_versions SET current_stage = ? WHERE version_pk = ?').run(
        stage,
        row.version_pk,
      );
      this.touch(row, now);
      this.events.record(
        name,
        'stage_transitioned',
        actor,
        { from: row.current_stage, to: stage },
        row.version,
        now,
      );
    });
    return this.getVersion(name, version);
  }

  async deleteVersion(name: string, version: string, actor: Actor): Promise<void> {
    this.unit.write(() => {
      const row = this.rows.version(name, version);
      this.sql('DELETE FROM model_version_tags WHERE version_pk = ?').run(row.version_pk);
      const aliases = this.sql(
        'SELECT alias FROM registered_model_aliases WHERE model_pk = ? AND version = ?',
      ).all(row.model_pk, row.version) as { alias: string }[];
      this.sql('DELETE FROM registered_model_aliases WHERE model_pk = ? AND version = ?').run(
        row.model_pk,
        row.version,
      );
      this.sql('DELETE FROM model_versions WHERE version_pk = ?').run(row.version_pk);
      this.sql('UPDATE registered_models SET last_update_time = ? WHERE model_pk = ?').run(
        Date.now(),
        row.model_pk,
      );
      for (const { alias } of aliases) {
        this.events.record(
          name,
          'alias_deleted',
          actor,
          { alias, from: String(row.version) },
          row.version,
        );
      }
      this.events.record(name, 'version_deleted', actor, {}, row.version);
    });
  }

  async searchVersions(input: SearchInput): Promise<Page<ModelVersion>> {
    const { where, orderBy, params } = compileVersionSearch(input.filter, input.orderBy);
    const offset = decodePageToken(input.pageToken);
    const rows = this.sql(
      `${VERSION_SELECT} WHERE ${where} ORDER BY ${orderBy} ${limitClause(input.maxResults + 1, offset)}`,
    ).all(...params) as VersionRow[];
    const page = toPage(rows, offset, input.maxResults);
    return {
      items: this.rows.versions(page.items),
      ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
    };
  }

  async latestVersions(name: string, stages: readonly ModelStage[]): Promise<ModelVersion[]> {
    const model = this.rows.model(name);
    const stageFilter =
      stages.length > 0 ? `AND current_stage IN (${placeholders(stages.length)})` : '';
    const rows = this.sql(
      `SELECT v.*, m.name AS name FROM (
         SELECT model_pk, MAX(version) AS version FROM model_versions
          WHERE model_pk = ? ${stageFilter} GROUP BY current_stage) l
         JOIN model_versions v ON v.model_pk = l.model_pk AND v.version = l.version
         JOIN registered_models m ON m.model_pk = v.model_pk
        ORDER BY v.version`,
    ).all(model.model_pk, ...stages) as VersionRow[];
    return this.rows.versions(rows);
  }

  async getVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    const model = this.rows.model(name);
    const found = this.sql(
      'SELECT version FROM registered_model_aliases WHERE model_pk = ? AND alias = ?',
    ).get(model.model_pk, alias) as { version: number } | undefined;
    if (!found) throw notFound(`Registered model alias ${alias} not found.`);
    return this.getVersion(name, String(found.version));
  }

  async setVersionTag(name: string, version: string, tag: KeyValue, actor: Actor): Promise<void> {
    this.unit.write(() => {
      const row = this.rows.version(name, version);
      this.sql(
        'INSERT OR REPLACE INTO model_version_tags (version_pk, key, value) VALUES (?, ?, ?)',
      ).run(row.version_pk, tag.key, tag.value);
      this.touch(row);
      this.events.record(
        name,
        'version_tag_set',
        actor,
        { key: tag.key, value: tag.value },
        row.version,
      );
    });
  }

  async deleteVersionTag(name: string, version: string, key: string, actor: Actor): Promise<void> {
    this.unit.write(() => {
      const row = this.rows.version(name, version);
      const gone = this.sql('DELETE FROM model_version_tags WHERE version_pk = ? AND key = ?').run(
        row.version_pk,
        key,
      ).changes;
      if (gone === 0) {
        throw notFound(
          `Model version tag with name=${name}, version=${version}, key=${key} not found`,
        );
      }
      this.touch(row);
      this.events.record(name, 'version_tag_deleted', actor, { key }, row.version);
    });
  }
}
