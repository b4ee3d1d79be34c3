import type Database from 'better-sqlite3';
import { notFound } from '../model/errors';
import { limitClause, StatementCache } from '../store';
import type { StoredWebhook, WebhookEvent, WebhookStatus } from './model';

interface WebhookRow {
  webhook_id: string;
  name: string;
  description: string;
  url: string;
  secret: string;
  status: WebhookStatus;
  creation_timestamp: number;
  last_updated_timestamp: number;
}

/** Webhooks on SQLite (tables `webhooks` and `webhook_events`, schema v11). */
export class SqliteWebhookStore {
  private readonly statements: StatementCache;

  constructor(private readonly db: Database.Database) {
    this.statements = new StatementCache(db);
  }

  private sql(text: string): Database.Statement {
    return this.statements.get(text);
  }

  private withEvents(rows: WebhookRow[]): StoredWebhook[] {
    const read = this.sql(
      'SELECT entity, action FROM webhook_events WHERE webhook_id = ? ORDER BY position',
    );
    return rows.map((row) => ({
      webhookId: row.webhook_id,
      name: row.name,
      description: row.description,
      url: row.url,
      secret: row.secret,
      status: row.status,
      creationTimestamp: row.creation_timestamp,
      lastUpdatedTimestamp: row.last_updated_timestamp,
      events: read.all(row.webhook_id) as WebhookEvent[],
    }));
  }

  private writeEvents(webhookId: string, events: readonly WebhookEvent[]): void {
    this.sql('DELETE FROM webhook_events WHERE webhook_id = ?').run(webhookId);
    const insert = this.sql(
      'INSERT INTO webhook_events (webhook_id, entity, action, position) VALUES (?, ?, ?, ?)',
    );
    events.forEach((e, i) => insert.run(webhookId, e.entity, e.action, i));
  }

  insert(webhook: StoredWebhook): void {
    this.db
      .transaction(() => {
        this.sql(
          `INSERT INTO webhooks (webhook_id, name, description, url, secret, status,
             creation_timestamp, last_updated_timestamp) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          webhook.webhookId,
          webhook.name,
          webhook.description,
          webhook.url,
          webhook.secret,
          webhook.status,
          webhook.creationTimestamp,
          webhook.lastUpdatedTimestamp,
        );
        this.writeEvents(webhook.webhookId, webhook.events);
      })
      .immediate();
  }

  /** @throws SextantError RESOURCE_DOES_NOT_EXIST when there is no such webhook. */
  get(webhookId: string): StoredWebhook {
    const row = this.sql('SELECT * FROM webhooks WHERE webhook_id = ?').get(webhookId) as
      WebhookRow | undefined;
    if (!row) throw notFound(`Webhook with ID ${webhookId} not found.`);
    return this.withEvents([row])[0] as StoredWebhook;
  }

  /** One page, newest first; `limit + 1` rows are read so the caller knows if more follow. */
  list(offset: number, limit: number): StoredWebhook[] {
    const rows = this.sql(
      `SELECT * FROM webhooks ORDER BY creation_timestamp DESC, rowid DESC ${limitClause(limit, offset)}`,
    ).all() as WebhookRow[];
    return this.withEvents(rows);
  }

  /** The active webhooks subscribed to any of `events`. */
  activeFor(events: readonly WebhookEvent[]): StoredWebhook[] {
    if (events.length === 0) return [];
    const match = events.map(() => '(e.entity = ? AND e.action = ?)').join(' OR ');
    const rows = this.sql(
      `SELECT DISTINCT w.* FROM webhooks w JOIN webhook_events e ON e.webhook_id = w.webhook_id
       WHERE w.status = 'ACTIVE' AND (${match}) ORDER BY w.creation_timestamp DESC, w.rowid DESC`,
    ).all(...events.flatMap((e) => [e.entity, e.action])) as WebhookRow[];
    return this.withEvents(rows);
  }

  /** Writes a changed webhook (all of its fields and events). */
  replace(webhook: StoredWebhook): void {
    this.db
      .transaction(() => {
        const changed = this.sql(
          `UPDATE webhooks SET name = ?, description = ?, url = ?, secret = ?, status = ?,
             last_updated_timestamp = ? WHERE webhook_id = ?`,
        ).run(
          webhook.name,
          webhook.description,
          webhook.url,
          webhook.secret,
          webhook.status,
          webhook.lastUpdatedTimestamp,
          webhook.webhookId,
        );
        if (changed.changes === 0)
          throw notFound(`Webhook with ID ${webhook.webhookId} not found.`);
        this.writeEvents(webhook.webhookId, webhook.events);
      })
      .immediate();
  }

  /** @throws SextantError RESOURCE_DOES_NOT_EXIST when there is no such webhook. */
  delete(webhookId: string): void {
    this.db
      .transaction(() => {
        this.sql('DELETE FROM webhook_events WHERE webhook_id = ?').run(webhookId);
        const gone = this.sql('DELETE FROM webhooks WHERE webhook_id = ?').run(webhookId);
        if (gone.changes === 0) throw notFound(`Webhook with ID ${webhookId} not found.`);
      })
      .immediate();
  }
}
