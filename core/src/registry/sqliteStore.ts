import type Database from 'better-sqlite3';
import { SqliteUnitOfWork, StatementCache } from '../store';
import { ModelsSql } from './modelsSql';
import { RegistryEvents, RegistryLookups } from './rows';
import type { RegistryStore } from './store';
import { VersionsSql } from './versionsSql';

/**
 * The registry store on SQLite (better-sqlite3), beside tracking in the same database. Writes run
 * IMMEDIATE and record their event in the same transaction. It composes registered models
 * ({@link ModelsSql}) and versions ({@link VersionsSql}) over one statement cache.
 */
export class SqliteRegistryStore implements RegistryStore {
  private readonly models: ModelsSql;
  private readonly versions: VersionsSql;
  private readonly events: RegistryEvents;

  constructor(db: Database.Database) {
    const unit = new SqliteUnitOfWork(db);
    const cache = new StatementCache(db);
    const sql = (text: string): Database.Statement => cache.get(text);
    const rows = new RegistryLookups(sql);
    this.events = new RegistryEvents(sql);
    this.models = new ModelsSql(unit, sql, rows, this.events);
    this.versions = new VersionsSql(unit, sql, rows, this.events);
  }

  readonly createModel: RegistryStore['createModel'] = (...a) => this.models.createModel(...a);
  readonly getModel: RegistryStore['getModel'] = (...a) => this.models.getModel(...a);
  readonly renameModel: RegistryStore['renameModel'] = (...a) => this.models.renameModel(...a);
  readonly updateModel: RegistryStore['updateModel'] = (...a) => this.models.updateModel(...a);
  readonly deleteModel: RegistryStore['deleteModel'] = (...a) => this.models.deleteModel(...a);
  readonly searchModels: RegistryStore['searchModels'] = (...a) => this.models.searchModels(...a);
  readonly setModelTag: RegistryStore['setModelTag'] = (...a) => this.models.setModelTag(...a);
  readonly deleteModelTag: RegistryStore['deleteModelTag'] = (...a) =>
    this.models.deleteModelTag(...a);
  readonly setAlias: RegistryStore['setAlias'] = (...a) => this.models.setAlias(...a);
  readonly deleteAlias: RegistryStore['deleteAlias'] = (...a) => this.models.deleteAlias(...a);
  readonly getVersionByAlias: RegistryStore['getVersionByAlias'] = (...a) =>
    this.versions.getVersionByAlias(...a);
  readonly latestVersions: RegistryStore['latestVersions'] = (...a) =>
    this.versions.latestVersions(...a);
  readonly createVersion: RegistryStore['createVersion'] = (...a) =>
    this.versions.createVersion(...a);
  readonly getVersion: RegistryStore['getVersion'] = (...a) => this.versions.getVersion(...a);
  readonly updateVersion: RegistryStore['updateVersion'] = (...a) =>
    this.versions.updateVersion(...a);
  readonly transitionStage: RegistryStore['transitionStage'] = (...a) =>
    this.versions.transitionStage(...a);
  readonly deleteVersion: RegistryStore['deleteVersion'] = (...a) =>
    this.versions.deleteVersion(...a);
  readonly searchVersions: RegistryStore['searchVersions'] = (...a) =>
    this.versions.searchVersions(...a);
  readonly setVersionTag: RegistryStore['setVersionTag'] = (...a) =>
    this.versions.setVersionTag(...a);
  readonly deleteVersionTag: RegistryStore['deleteVersionTag'] = (...a) =>
    this.versions.deleteVersionTag(...a);

  async history(name: string) {
    return this.events.history(name);
  }
}
