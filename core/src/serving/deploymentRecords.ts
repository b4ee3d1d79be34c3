import type Database from 'better-sqlite3';
import { invalid, notFound } from '../model/errors';
import { limitClause } from '../store';

/** What changed a deployment. */
export type DeploymentEventKind =
  | 'deploy'
  | 'scale'
  | 'traffic'
  | 'promote'
  | 'rollback'
  | 'auto_rollback'
  | 'stop'
  | 'replica_crash'
  | 'update'
  | 'update_failed'
  | 'deploy_failed';

/** One variant of a deployment: a model version with its own replicas and share of traffic. */
export interface VariantState {
  name: string;
  /** The registered model's name (or the model folder's). */
  model: string;
  version: string;
  /** The URI it was deployed from (`models:/name@alias`, `models:/name/3`). */
  uri: string;
  /** Share of the traffic (weights are normalized over the non-shadow variants). */
  weight: number;
  /** A shadow gets a mirrored copy of each request; its answer is logged, never returned. */
  shadow: boolean;
  replicas: number;
}

/** A deployment's state: running or stopped, where, and what serves it. */
export interface DeploymentState {
  status: 'running' | 'stopped' | 'failed';
  url?: string;
  pid?: number;
  variants: VariantState[];
  /** The variant whose model alias promote and rollback move. */
  champion?: string;
  /** Why the deployment (or the last update of one of its variants) failed, if it did. */
  failure?: DeploymentFailure;
}

/** A model that could not be served: which, when, and the worker's own error. */
export interface DeploymentFailure {
  /** The error in one line (the last line of the worker's output when it has one). */
  reason: string;
  /** The full error, with the worker's last output. */
  detail?: string;
  /** ms since the epoch. */
  time: number;
  variant?: string;
  model?: string;
  version?: string;
}

/** Who made a change and why. */
export interface DeploymentActor {
  user: string;
  reason?: string;
}

/** A recorded change with the state after it. */
export interface DeploymentEvent {
  deployment: string;
  kind: DeploymentEventKind;
  /** ms since the epoch. */
  time: number;
  user: string;
  reason?: string;
  /** What the change was, and its evidence (an automatic rollback's error rate, p99). */
  details: Record<string, unknown>;
  state: DeploymentState;
}

/** A deployment as listed: its name and latest state. */
export interface DeploymentRecord {
  name: string;
  creationTime: number;
  lastUpdateTime: number;
  state: DeploymentState;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Checks a deployment name (letters, digits, `.`, `_`, `-`; at most 128). */
export function validateDeploymentName(name: string): string {
  if (!NAME.test(name)) {
    throw invalid(
      `'${name}' is not a deployment name: use letters, digits, '.', '_' and '-' (at most 128, starting with a letter or digit)`,
    );
  }
  return name;
}

/**
 * The deployments of a workspace, in the store: each deployment's state now and the history of
 * every change to it, each with time, who, why, details and the state after, so
 * {@link servedAt} answers "what served this deployment at time T?".
 */
export class DeploymentRecords {
  constructor(private readonly db: Database.Database) {}

  /** Records a change and makes `state` the deployment's state (creating it on its first event). */
  record(
    deployment: string,
    kind: DeploymentEventKind,
    actor: DeploymentActor,
    state: DeploymentState,
    details: Record<string, unknown> = {},
    time = Date.now(),
  ): DeploymentEvent {
    validateDeploymentName(deployment);
    const stateText = JSON.stringify(state);
    this.db
      .transaction(() => {
        this.db
          .prepare(
            `INSERT INTO deployments (name, creation_time, last_update_time, status, state)
             VALUES (?, ?, ?, ?, ?)
             ON CONFLICT(name) DO UPDATE SET last_update_time = excluded.last_update_time,
               status = excluded.status, state = excluded.state`,
          )
          .run(deployment, time, time, state.status, stateText);
        this.db
          .prepare(
            `INSERT INTO deployment_events (deployment, kind, time, user_id, reason, details, state)
             VALUES (?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            deployment,
            kind,
            time,
            actor.user,
            actor.reason ?? null,
            JSON.stringify(details),
            stateText,
          );
      })
      .immediate();
    return {
      deployment,
      kind,
      time,
      user: actor.user,
      ...(actor.reason ? { reason: actor.reason } : {}),
      details,
      state,
    };
  }

  /** Every deployment, by name. */
  list(): DeploymentRecord[] {
    const rows = this.db
      .prepare(`SELECT name, creation_time, last_update_time, state FROM deployments ORDER BY name`)
      .all() as Record<string, unknown>[];
    return rows.map(toRecord);
  }

  /** One deployment. @throws SextantError RESOURCE_DOES_NOT_EXIST */
  get(name: string): DeploymentRecord {
    const row = this.db
      .prepare(
        `SELECT name, creation_time, last_update_time, state FROM deployments WHERE name = ?`,
      )
      .get(validateDeploymentName(name)) as Record<string, unknown> | undefined;
    if (!row)
      throw notFound(`no deployment named '${name}' has been recorded; run sextant deploy up`);
    return toRecord(row);
  }

  /** A deployment's events, oldest first. */
  events(name: string, limit = 1000): DeploymentEvent[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM (SELECT * FROM deployment_events WHERE deployment = ?
           ORDER BY time DESC, event_pk DESC ${limitClause(limit)}) ORDER BY time, event_pk`,
      )
      .all(validateDeploymentName(name)) as Record<string, unknown>[];
    return rows.map(toEvent);
  }

  /** The latest event of a kind (e.g. the promote a rollback reverses), if any. */
  lastOf(name: string, kinds: readonly DeploymentEventKind[]): DeploymentEvent | undefined {
    const row = this.db
      .prepare(
        `SELECT * FROM deployment_events WHERE deployment = ? AND kind IN (${kinds.map(() => '?').join(',')})
         ORDER BY time DESC, event_pk DESC LIMIT 1`,
      )
      .get(validateDeploymentName(name), ...kinds) as Record<string, unknown> | undefined;
    return row ? toEvent(row) : undefined;
  }

  /**
   * What served a deployment at `time` (ms since the epoch): the state after the last change at
   * or before it, or undefined when the deployment did not exist yet.
   */
  servedAt(
    name: string,
    time: number,
  ): { event: DeploymentEvent; state: DeploymentState } | undefined {
    const row = this.db
      .prepare(
        `SELECT * FROM deployment_events WHERE deployment = ? AND time <= ?
         ORDER BY time DESC, event_pk DESC LIMIT 1`,
      )
      .get(validateDeploymentName(name), time) as Record<string, unknown> | undefined;
    if (!row) return undefined;
    const event = toEvent(row);
    return { event, state: event.state };
  }
}

function toRecord(row: Record<string, unknown>): DeploymentRecord {
  return {
    name: row.name as string,
    creationTime: row.creation_time as number,
    lastUpdateTime: row.last_update_time as number,
    state: JSON.parse(row.state as string) as DeploymentState,
  };
}

function toEvent(row: Record<string, unknown>): DeploymentEvent {
  return {
    deployment: row.deployment as string,
    kind: row.kind as DeploymentEventKind,
    time: row.time as number,
    user: row.user_id as string,
    ...(row.reason !== null ? { reason: row.reason as string } : {}),
    details: JSON.parse(row.details as string) as Record<string, unknown>,
    state: JSON.parse(row.state as string) as DeploymentState,
  };
}
