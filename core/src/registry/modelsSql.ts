import { limitClause, type UnitOfWork } from '../store';
import type { KeyValue, Page, RegisteredModel } from '../model';
import { notFound, SextantError } from '../model/errors';
import { decodePageToken, toPage } from '../tracking';
import { type ModelRow, type RegistryEvents, type RegistryLookups, type Sql } from './rows';
import { compileModelSearch } from './search';
import type { Actor, CreateModelInput, SearchInput } from './store';

const exists = (name: string): SextantError =>
  new SextantError('RESOURCE_ALREADY_EXISTS', `Registered Model (name=${name}) already exists.`);

/** Registered models, their tags and aliases in the SQLite registry store. */
export class ModelsSql {
  constructor(
    private readonly unit: UnitOfWork,
    private readonly sql: Sql,
    private readonly rows: RegistryLookups,
    private readonly events: RegistryEvents,
  ) {}

  private touch(modelPk: number, now = Date.now()): void {
    this.sql('UPDATE registered_models SET last_update_time = ? WHERE model_pk = ?').run(
      now,
      modelPk,
    );
  }

  async createModel(input: CreateModelInput, actor: Actor): Promise<RegisteredModel> {
    const row = this.unit.write(() => {
      if (this.sql('SELECT 1 FROM registered_models WHERE name = ?').get(input.name)) {
        throw exists(input.name);
      }
      const now = Date.now();
      const pk = Number(
        this.sql(
          `INSERT INTO registered_models (name, creation_time, last_update_time, user_id, description)
           VALUES (?, ?, ?, ?, ?)`,
        ).run(input.name, now, now, actor.user, input.description).lastInsertRowid,
      );
      const tag = this.sql(
        'INSERT OR REPLACE INTO registered_model_tags (model_pk, key, value) VALUES (?, ?, ?)',
      );
      for (const t of input.tags) tag.run(pk, t.key, t.value);
      this.events.record(input.name, 'model_created', actor, {}, undefined, now);
      return this.rows.model(input.name);
    });
    return this.rows.models([row])[0]!;
  }

  async getModel(name: string): Promise<RegisteredModel> {
    return this.rows.models([this.rows.model(name)])[0]!;
  }

  async renameModel(name: string, newName: string, actor: Actor): Promise<RegisteredModel> {
    this.unit.write(() => {
      const row = this.rows.model(name);
      if (name === newName) return;
      if (this.sql('SELECT 1 FROM registered_models WHERE name = ?').get(newName)) {
        throw exists(newName);
      }
      this.sql(
        'UPDATE registered_models SET name = ?, last_update_time = ? WHERE model_pk = ?',
      ).run(newName, Date.now(), row.model_pk);
      this.events.rename(name, newName);
      this.events.record(newName, 'model_renamed', actor, { from: name, to: newName });
    });
    return this.getModel(newName);
  }

  async updateModel(name: string, description: string, actor: Actor): Promise<RegisteredModel> {
    this.unit.write(() => {
      const row = this.rows.model(name);
      this.sql(
        'UPDATE registered_models SET description = ?, last_update_time = ? WHERE model_pk = ?',
      ).run(description, Date.now(), row.model_pk);
      this.events.record(name, 'model_updated', actor, { description });
    });
    return this.getModel(name);
  }

  async deleteModel(name: string, actor: Actor): Promise<void> {
    this.unit.write(() => {
      const pk = this.rows.model(name).model_pk;
      this.sql(
        'DELETE FROM model_version_tags WHERE version_pk IN (SELECT version_pk FROM model_versions WHERE model_pk = ?)',
      ).run(pk);
      for (const table of [
        'model_versions',
        'registered_model_aliases',
        'registered_model_tags',
        'registered_models',
      ]) {
        this.sql(`DELETE FROM ${table} WHERE model_pk = ?`).run(pk);
      }
      this.events.record(name, 'model_deleted', actor);
    });
  }

  async searchModels(input: SearchInput): Promise<Page<RegisteredModel>> {
    const { where, orderBy, params } = compileModelSearch(input.filter, input.orderBy);
    const offset = decodePageToken(input.pageToken);
    const rows = this.sql(
      `SELECT m.* FROM registered_models m WHERE ${where} ORDER BY ${orderBy} ${limitClause(input.maxResults + 1, offset)}`,
    ).all(...params) as ModelRow[];
    const page = toPage(rows, offset, input.maxResults);
    return {
      items: this.rows.models(page.items),
      ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
    };
  }

  async setModelTag(name: string, tag: KeyValue, actor: Actor): Promise<void> {
    this.unit.write(() => {
      const pk = this.rows.model(name).model_pk;
      this.sql(
        'INSERT OR REPLACE INTO registered_model_tags (model_pk, key, value) VALUES (?, ?, ?)',
      ).run(pk, tag.key, tag.value);
      this.touch(pk);
      this.events.record(name, 'model_tag_set', actor, { key: tag.key, value: tag.value });
    });
  }

  async deleteModelTag(name: string, key: string, actor: Actor): Promise<void> {
    this.unit.write(() => {
      const pk = this.rows.model(name).model_pk;
      const gone = this.sql('DELETE FROM registered_model_tags WHERE model_pk = ? AND key = ?').run(
        pk,
        key,
      ).changes;
      if (gone === 0) {
        throw notFound(`Registered model tag with name=${name}, key=${key} not found`);
      }
      this.touch(pk);
      this.events.record(name, 'model_tag_deleted', actor, { key });
    });
  }

  async setAlias(name: string, alias: string, version: string, actor: Actor): Promise<void> {
    this.unit.write(() => {
      const row = this.rows.version(name, version);
      const previous = this.sql(
        'SELECT version FROM registered_model_aliases WHERE model_pk = ? AND alias = ?',
      ).get(row.model_pk, alias) as { version: number } | undefined;
      this.sql(
        'INSERT OR REPLACE INTO registered_model_aliases (model_pk, alias, version) VALUES (?, ?, ?)',
      ).run(row.model_pk, alias, row.version);
      this.touch(row.model_pk);
      if (previous && previous.version !== row.version) {
        this.events.record(
          name,
          'alias_moved',
          actor,
          { alias, from: String(previous.version), to: String(row.version) },
          row.version,
        );
      } else if (!previous) {
        this.events.record(
          name,
          'alias_set',
          actor,
          { alias, to: String(row.version) },
          row.version,
        );
      }
    });
  }

  async deleteAlias(name: string, alias: string, actor: Actor): Promise<void> {
    this.unit.write(() => {
      const pk = this.rows.model(name).model_pk;
      const previous = this.sql(
        'SELECT version FROM registered_model_aliases WHERE model_pk = ? AND alias = ?',
      ).get(pk, alias) as { version: number } | undefined;
      if (!previous) return;
      this.sql('DELETE FROM registered_model_aliases WHERE model_pk = ? AND alias = ?').run(
        pk,
        alias,
      );
      this.touch(pk);
      this.events.record(
        name,
        'alias_deleted',
        actor,
        { alias, from: String(previous.version) },
        previous.version,
      );
    });
  }
}
