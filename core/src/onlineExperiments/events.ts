import type Database from 'better-sqlite3';

/** The events an online experiment leaves over time: allocations and decisions. */
export interface ExperimentEvent {
  deployment: string;
  /** `allocation` (a bandit's weights), `decision` (with its evidence). */
  kind: string;
  time: number;
  details: Record<string, unknown>;
}

/** The record of an experiment over time, in the store's `experiment_events` table. */
export class ExperimentEvents {
  constructor(private readonly db: Database.Database) {}

  /** Appends an event. */
  add(event: ExperimentEvent): void {
    this.db
      .prepare(
        'INSERT INTO experiment_events (deployment, kind, time, details) VALUES (?, ?, ?, ?)',
      )
      .run(event.deployment, event.kind, event.time, JSON.stringify(event.details));
  }

  /** A deployment's events of some kinds (all when none), oldest first. */
  list(deployment: string, kinds: readonly string[] = [], since = 0): ExperimentEvent[] {
    const rows = this.db
      .prepare(
        `SELECT deployment, kind, time, details FROM experiment_events
         WHERE deployment = ? AND time >= ?${kinds.length > 0 ? ` AND kind IN (${kinds.map(() => '?').join(', ')})` : ''}
         ORDER BY time, event_pk`,
      )
      .all(deployment, since, ...kinds) as {
      deployment: string;
      kind: string;
      time: number;
      details: string;
    }[];
    return rows.map((r) => ({ ...r, details: JSON.parse(r.details) as Record<string, unknown> }));
  }

  /** The latest event of some kinds, if any. */
  last(deployment: string, kinds: readonly string[]): ExperimentEvent | undefined {
    const row = this.db
      .prepare(
        `SELECT deployment, kind, time, details FROM experiment_events
         WHERE deployment = ? AND kind IN (${kinds.map(() => '?').join(', ')})
         ORDER BY time DESC, event_pk DESC LIMIT 1`,
      )
      .get(deployment, ...kinds) as
      { deployment: string; kind: string; time: number; details: string } | undefined;
    return row
      ? { ...row, details: JSON.parse(row.details) as Record<string, unknown> }
      : undefined;
  }
}
