import type Database from 'better-sqlite3';
import type {
  KeyValue,
  ModelAlias,
  ModelStage,
  ModelVersion,
  ModelVersionStatus,
  RegisteredModel,
  RegistryEvent,
  RegistryEventKind,
} from '../model';
import { notFound } from '../model/errors';
import type { Actor } from './store';

/** Prepared statements by SQL text (the store's statement cache). */
export type Sql = (text: string) => Database.Statement;

export interface ModelRow {
  model_pk: number;
  name: string;
  creation_time: number;
  last_update_time: number;
  user_id: string;
  description: string;
  last_version: number;
}

export interface VersionRow {
  version_pk: number;
  model_pk: number;
  name: string;
  version: number;
  creation_time: number;
  last_update_time: number;
  user_id: string;
  current_stage: string;
  description: string;
  source: string;
  storage_location: string;
  run_id: string;
  run_link: string;
  model_id: string;
  status: string;
  status_message: string;
  facts: string | null;
  lineage: string | null;
}

/** Columns of a version row joined with its model's name. */
export const VERSION_SELECT =
  'SELECT v.*, m.name AS name FROM model_versions v JOIN registered_models m ON m.model_pk = v.model_pk';

/** `?, ?, ?` for `n` parameters. */
export const placeholders = (n: number): string => Array.from({ length: n }, () => '?').join(', ');

/** Appends `item` to the list under `key`. */
function add<K, V>(map: Map<K, V[]>, key: K, item: V): void {
  const list = map.get(key);
  if (list) list.push(item);
  else map.set(key, [item]);
}

/** Looks rows up by name and version, throwing MLflow's not-found errors. */
export class RegistryLookups {
  constructor(private readonly sql: Sql) {}

  model(name: string): ModelRow {
    const row = this.sql('SELECT * FROM registered_models WHERE name = ?').get(name) as
      ModelRow | undefined;
    if (!row) throw notFound(`Registered Model with name=${name} not found`);
    return row;
  }

  version(name: string, version: string): VersionRow {
    const model = this.model(name);
    const number = /^\d+$/.test(version) ? Number(version) : NaN;
    const row = this.sql(`${VERSION_SELECT} WHERE v.model_pk = ? AND v.version = ?`).get(
      model.model_pk,
      number,
    ) as VersionRow | undefined;
    if (!row) throw notFound(`Model Version (name=${name}, version=${version}) not found`);
    return row;
  }

  /** Entities for version rows, tags and aliases read in one query each. */
  versions(rows: VersionRow[]): ModelVersion[] {
    if (rows.length === 0) return [];
    const pks = rows.map((r) => r.version_pk);
    const tags = new Map<number, KeyValue[]>();
    for (const t of this.sql(
      `SELECT version_pk, key, value FROM model_version_tags WHERE version_pk IN (${placeholders(pks.length)}) ORDER BY version_pk, key`,
    ).all(...pks) as { version_pk: number; key: string; value: string }[]) {
      add(tags, t.version_pk, { key: t.key, value: t.value });
    }
    const modelPks = [...new Set(rows.map((r) => r.model_pk))];
    const aliases = new Map<string, string[]>();
    for (const a of this.sql(
      `SELECT model_pk, alias, version FROM registered_model_aliases WHERE model_pk IN (${placeholders(modelPks.length)}) ORDER BY alias`,
    ).all(...modelPks) as { model_pk: number; alias: string; version: number }[]) {
      add(aliases, `${a.model_pk}:${a.version}`, a.alias);
    }
    return rows.map((r) => ({
      name: r.name,
      version: String(r.version),
      creationTimestamp: r.creation_time,
      lastUpdatedTimestamp: r.last_update_time,
      userId: r.user_id,
      currentStage: r.current_stage as ModelStage,
      description: r.description,
      source: r.source,
      storageLocation: r.storage_location,
      runId: r.run_id,
      runLink: r.run_link,
      modelId: r.model_id,
      status: r.status as ModelVersionStatus,
      statusMessage: r.status_message,
      tags: tags.get(r.version_pk) ?? [],
      aliases: aliases.get(`${r.model_pk}:${r.version}`) ?? [],
      ...(r.facts ? { facts: JSON.parse(r.facts) } : {}),
      ...(r.lineage ? { lineage: JSON.parse(r.lineage) } : {}),
    }));
  }

  /** Entities for model rows, with tags, aliases and the newest version of each stage. */
  models(rows: ModelRow[]): RegisteredModel[] {
    if (rows.length === 0) return [];
    const pks = rows.map((r) => r.model_pk);
    const list = placeholders(pks.length);
    const tags = new Map<number, KeyValue[]>();
    for (const t of this.sql(
      `SELECT model_pk, key, value FROM registered_model_tags WHERE model_pk IN (${list}) ORDER BY model_pk, key`,
    ).all(...pks) as { model_pk: number; key: string; value: string }[]) {
      add(tags, t.model_pk, { key: t.key, value: t.value });
    }
    const aliases = new Map<number, ModelAlias[]>();
    for (const a of this.sql(
      `SELECT model_pk, alias, version FROM registered_model_aliases WHERE model_pk IN (${list}) ORDER BY alias`,
    ).all(...pks) as { model_pk: number; alias: string; version: number }[]) {
      add(aliases, a.model_pk, { alias: a.alias, version: String(a.version) });
    }
    // The newest version of each stage from the (model, stage, version) index, then those rows.
    const latestRows = this.sql(
      `SELECT v.*, m.name AS name FROM (
         SELECT model_pk, MAX(version) AS version FROM model_versions
          WHERE model_pk IN (${list}) GROUP BY model_pk, current_stage) l
         JOIN model_versions v ON v.model_pk = l.model_pk AND v.version = l.version
         JOIN registered_models m ON m.model_pk = v.model_pk
        ORDER BY v.version`,
    ).all(...pks) as VersionRow[];
    const latest = new Map<string, ModelVersion[]>();
    for (const version of this.versions(latestRows)) {
      add(latest, version.name, version);
    }
    return rows.map((r) => ({
      name: r.name,
      creationTimestamp: r.creation_time,
      lastUpdatedTimestamp: r.last_update_time,
      userId: r.user_id,
      description: r.description,
      tags: tags.get(r.model_pk) ?? [],
      aliases: aliases.get(r.model_pk) ?? [],
      latestVersions: latest.get(r.name) ?? [],
    }));
  }
}

/** Writes and reads the registry's history. */
export class RegistryEvents {
  constructor(private readonly sql: Sql) {}

  record(
    name: string,
    kind: RegistryEventKind,
    actor: Actor,
    details: Record<string, string> = {},
    version?: string | number,
    time = Date.now(),
  ): void {
    this.sql(
      `INSERT INTO registry_events (model_name, version, kind, user_id, time, details, reason)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      name,
      version === undefined ? null : String(version),
      kind,
      actor.user,
      time,
      JSON.stringify(details),
      actor.reason ?? null,
    );
  }

  rename(from: string, to: string): void {
    this.sql('UPDATE registry_events SET model_name = ? WHERE model_name = ?').run(to, from);
  }

  history(name: string): RegistryEvent[] {
    const rows = this.sql(
      'SELECT * FROM registry_events WHERE model_name = ? ORDER BY event_pk',
    ).all(name) as {
      event_pk: number;
      model_name: string;
      version: string | null;
      kind: RegistryEventKind;
      user_id: string;
      time: number;
      details: string;
      reason: string | null;
    }[];
    return rows.map((r) => ({
      id: r.event_pk,
      name: r.model_name,
      ...(r.version !== null ? { version: r.version } : {}),
      kind: r.kind,
      user: r.user_id,
      time: r.time,
      details: JSON.parse(r.details) as Record<string, string>,
      ...(r.reason !== null ? { reason: r.reason } : {}),
    }));
  }
}
