import type Database from 'better-sqlite3';

/**
 * Versioned schema migrations. Each entry runs once, in order, inside one IMMEDIATE transaction
 * that also bumps `PRAGMA user_version`; a store written by a newer Sextant is refused.
 *
 * Layout for the read paths:
 * - `metric_series` holds one row per (run, metric key) with the latest point, so search and
 *   tables never scan history; `metric_points` is clustered by (series, step, timestamp) so a
 *   history reads in chart order; `metric_blocks` keeps min/max/first/last per block of points
 *   (in logging order) at several levels, `BLOCK_SIZE` points at level 0 and `BLOCK_FANOUT`
 *   times more per level up, so a sample of any series reads at most ~8 blocks per bucket
 *   (a million points sampled to 1000 read ~2k rows, not ~16k).
 * - `runs.run_pk` is a compact integer key; params, tags and series join on it.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE experiments (
    experiment_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    artifact_location TEXT NOT NULL,
    lifecycle_stage TEXT NOT NULL DEFAULT 'active',
    creation_time INTEGER NOT NULL,
    last_update_time INTEGER NOT NULL
  );
  CREATE TABLE experiment_tags (
    experiment_id INTEGER NOT NULL REFERENCES experiments(experiment_id),
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (experiment_id, key)
  ) WITHOUT ROWID;

  CREATE TABLE runs (
    run_pk INTEGER PRIMARY KEY,
    run_uuid TEXT NOT NULL UNIQUE,
    experiment_id INTEGER NOT NULL REFERENCES experiments(experiment_id),
    name TEXT NOT NULL DEFAULT '',
    user_id TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    start_time INTEGER NOT NULL,
    end_time INTEGER,
    artifact_uri TEXT NOT NULL,
    lifecycle_stage TEXT NOT NULL DEFAULT 'active',
    deleted_time INTEGER
  );
  CREATE INDEX runs_by_experiment ON runs(experiment_id, start_time DESC, run_pk);

  CREATE TABLE params (
    run_pk INTEGER NOT NULL REFERENCES runs(run_pk),
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (run_pk, key)
  ) WITHOUT ROWID;
  CREATE INDEX params_by_key_value ON params(key, value, run_pk);

  CREATE TABLE tags (
    run_pk INTEGER NOT NULL REFERENCES runs(run_pk),
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (run_pk, key)
  ) WITHOUT ROWID;
  CREATE INDEX tags_by_key_value ON tags(key, value, run_pk);

  CREATE TABLE metric_series (
    series_id INTEGER PRIMARY KEY,
    run_pk INTEGER NOT NULL REFERENCES runs(run_pk),
    key TEXT NOT NULL,
    points INTEGER NOT NULL DEFAULT 0,
    value REAL NOT NULL,
    is_nan INTEGER NOT NULL DEFAULT 0,
    step INTEGER NOT NULL,
    timestamp INTEGER NOT NULL,
    UNIQUE (run_pk, key)
  );
  CREATE INDEX metric_series_by_key_value ON metric_series(key, value, run_pk);

  CREATE TABLE metric_points (
    series_id INTEGER NOT NULL,
    step INTEGER NOT NULL,
    timestamp INTEGER NOT NULL,
    value REAL NOT NULL,
    is_nan INTEGER NOT NULL,
    PRIMARY KEY (series_id, step, timestamp, value, is_nan)
  ) WITHOUT ROWID;

  CREATE TABLE metric_blocks (
    series_id INTEGER NOT NULL,
    level INTEGER NOT NULL,
    block INTEGER NOT NULL,
    points INTEGER NOT NULL,
    first_step INTEGER NOT NULL, first_ts INTEGER NOT NULL, first_value REAL,
    last_step INTEGER NOT NULL, last_ts INTEGER NOT NULL, last_value REAL,
    min_step INTEGER, min_ts INTEGER, min_value REAL,
    max_step INTEGER, max_ts INTEGER, max_value REAL,
    PRIMARY KEY (series_id, level, block)
  ) WITHOUT ROWID;

  CREATE TABLE datasets (
    dataset_pk INTEGER PRIMARY KEY,
    experiment_id INTEGER NOT NULL REFERENCES experiments(experiment_id),
    name TEXT NOT NULL,
    digest TEXT NOT NULL,
    source_type TEXT NOT NULL,
    source TEXT NOT NULL,
    schema TEXT,
    profile TEXT,
    UNIQUE (experiment_id, name, digest)
  );
  CREATE TABLE run_inputs (
    run_pk INTEGER NOT NULL REFERENCES runs(run_pk),
    dataset_pk INTEGER NOT NULL REFERENCES datasets(dataset_pk),
    tags TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (run_pk, dataset_pk)
  ) WITHOUT ROWID;

  CREATE TABLE logged_models (
    model_id TEXT PRIMARY KEY,
    experiment_id INTEGER NOT NULL REFERENCES experiments(experiment_id),
    name TEXT NOT NULL,
    artifact_uri TEXT NOT NULL,
    creation_time INTEGER NOT NULL,
    last_update_time INTEGER NOT NULL,
    status TEXT NOT NULL,
    status_message TEXT,
    model_type TEXT,
    source_run_id TEXT,
    lifecycle_stage TEXT NOT NULL DEFAULT 'active'
  );
  CREATE INDEX logged_models_by_experiment ON logged_models(experiment_id, creation_time DESC);
  CREATE TABLE logged_model_tags (
    model_id TEXT NOT NULL REFERENCES logged_models(model_id),
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (model_id, key)
  ) WITHOUT ROWID;
  CREATE TABLE logged_model_params (
    model_id TEXT NOT NULL REFERENCES logged_models(model_id),
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (model_id, key)
  ) WITHOUT ROWID;
  CREATE TABLE logged_model_metrics (
    model_id TEXT NOT NULL REFERENCES logged_models(model_id),
    key TEXT NOT NULL,
    value REAL NOT NULL,
    is_nan INTEGER NOT NULL,
    step INTEGER NOT NULL,
    timestamp INTEGER NOT NULL,
    run_id TEXT,
    dataset_name TEXT,
    dataset_digest TEXT,
    PRIMARY KEY (model_id, key, step, timestamp, value, is_nan)
  ) WITHOUT ROWID;
  CREATE TABLE run_models (
    run_pk INTEGER NOT NULL REFERENCES runs(run_pk),
    model_id TEXT NOT NULL,
    direction TEXT NOT NULL CHECK (direction IN ('input', 'output')),
    step INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_pk, model_id, direction)
  ) WITHOUT ROWID;
  `,
  `
  CREATE TABLE run_cells (
    run_pk INTEGER NOT NULL REFERENCES runs(run_pk),
    seq INTEGER NOT NULL,
    cell_id TEXT NOT NULL,
    execution_count INTEGER,
    source TEXT NOT NULL,
    source_hash TEXT NOT NULL,
    start_time INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('ok', 'error')),
    error TEXT,
    logged TEXT NOT NULL DEFAULT '{}',
    notebook TEXT,
    PRIMARY KEY (run_pk, seq)
  ) WITHOUT ROWID;
  CREATE INDEX run_cells_by_cell ON run_cells(cell_id, run_pk);
  `,
  `
  CREATE TABLE pipeline_runs (
    pipeline_run_id TEXT PRIMARY KEY,
    pipeline TEXT NOT NULL,
    file TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'cancelled')),
    trigger_kind TEXT NOT NULL,
    trigger_detail TEXT,
    run_id TEXT,
    start_time INTEGER NOT NULL,
    end_time INTEGER,
    forced INTEGER NOT NULL DEFAULT 0,
    owner_pid INTEGER,
    owner_host TEXT
  );
  CREATE INDEX pipeline_runs_by_pipeline ON pipeline_runs(file, pipeline, start_time DESC);
  CREATE INDEX pipeline_runs_by_time ON pipeline_runs(start_time DESC);
  CREATE INDEX pipeline_runs_running ON pipeline_runs(status) WHERE status = 'running';

  CREATE TABLE step_runs (
    pipeline_run_id TEXT NOT NULL REFERENCES pipeline_runs(pipeline_run_id),
    step TEXT NOT NULL,
    seq INTEGER NOT NULL,
    status TEXT NOT NULL,
    cache_key TEXT,
    run_id TEXT,
    compute TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    start_time INTEGER,
    end_time INTEGER,
    exit_code INTEGER,
    reason TEXT,
    external_id TEXT,
    PRIMARY KEY (pipeline_run_id, step)
  ) WITHOUT ROWID;

  CREATE TABLE lineage_edges (
    edge_pk INTEGER PRIMARY KEY,
    relation TEXT NOT NULL CHECK (relation IN ('consumed', 'produced')),
    pipeline_run_id TEXT NOT NULL,
    step TEXT NOT NULL,
    path TEXT NOT NULL,
    digest TEXT NOT NULL,
    cached INTEGER NOT NULL DEFAULT 0,
    time INTEGER NOT NULL,
    UNIQUE (pipeline_run_id, step, relation, path)
  );
  CREATE INDEX lineage_edges_by_artifact ON lineage_edges(path, digest, relation);
  CREATE INDEX lineage_edges_by_time ON lineage_edges(path, time DESC);

  CREATE TABLE file_hashes (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns TEXT NOT NULL,
    inode TEXT NOT NULL,
    digest TEXT NOT NULL,
    checked_time INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
  // v4: which process arms a workspace's pipeline triggers (see pipelines/triggers/lease.ts).
  `
  CREATE TABLE trigger_leases (
    root TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    expires INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
  // v5: the last load of each pipeline file, reused while its inputs are unchanged (see
  // pipelines/run/loadCache.ts).
  `
  CREATE TABLE pipeline_loads (
    file TEXT PRIMARY KEY,
    stamp TEXT NOT NULL,
    inputs TEXT NOT NULL,
    loaded TEXT NOT NULL,
    saved_time INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
  // v6: a pipeline run another process was asked to stop (see PipelineService.cancel).
  `
  ALTER TABLE pipeline_runs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
  `,
  // v7: the virtual environment a step ran in, so cleaning the store keeps the ones in use (see
  // PipelineService.collectCache).
  `
  ALTER TABLE step_runs ADD COLUMN environment TEXT;
  `,
  // v8: the model registry (see registry/sqliteStore.ts): registered models, their versions, tags
  // and aliases, and the history of what was done to them.
  `
  CREATE TABLE registered_models (
    model_pk INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    creation_time INTEGER NOT NULL,
    last_update_time INTEGER NOT NULL,
    user_id TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    last_version INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX registered_models_by_update ON registered_models(last_update_time, model_pk);
  CREATE TABLE registered_model_tags (
    model_pk INTEGER NOT NULL REFERENCES registered_models(model_pk),
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (model_pk, key)
  ) WITHOUT ROWID;
  CREATE INDEX registered_model_tags_by_key_value ON registered_model_tags(key, value, model_pk);
  CREATE TABLE registered_model_aliases (
    model_pk INTEGER NOT NULL REFERENCES registered_models(model_pk),
    alias TEXT NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (model_pk, alias)
  ) WITHOUT ROWID;

  CREATE TABLE model_versions (
    version_pk INTEGER PRIMARY KEY,
    model_pk INTEGER NOT NULL REFERENCES registered_models(model_pk),
    version INTEGER NOT NULL,
    creation_time INTEGER NOT NULL,
    last_update_time INTEGER NOT NULL,
    user_id TEXT NOT NULL DEFAULT '',
    current_stage TEXT NOT NULL DEFAULT 'None',
    description TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL,
    storage_location TEXT NOT NULL,
    run_id TEXT NOT NULL DEFAULT '',
    run_link TEXT NOT NULL DEFAULT '',
    model_id TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    status_message TEXT NOT NULL DEFAULT '',
    facts TEXT,
    lineage TEXT,
    UNIQUE (model_pk, version)
  );
  CREATE INDEX model_versions_by_run ON model_versions(run_id);
  CREATE INDEX model_versions_by_stage ON model_versions(model_pk, current_stage, version);
  CREATE INDEX model_versions_by_update ON model_versions(last_update_time, version_pk);
  CREATE TABLE model_version_tags (
    version_pk INTEGER NOT NULL REFERENCES model_versions(version_pk),
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (version_pk, key)
  ) WITHOUT ROWID;
  CREATE INDEX model_version_tags_by_key_value ON model_version_tags(key, value, version_pk);

  CREATE TABLE registry_events (
    event_pk INTEGER PRIMARY KEY,
    model_name TEXT NOT NULL,
    version TEXT,
    kind TEXT NOT NULL,
    user_id TEXT NOT NULL,
    time INTEGER NOT NULL,
    details TEXT NOT NULL,
    reason TEXT
  );
  CREATE INDEX registry_events_by_model ON registry_events(model_name, event_pk);
  `,
  // v9: the inference log of served models (see serving/inferenceLog.ts): one row per logged
  // request, what monitoring reads.
  `
  CREATE TABLE inference_log (
    log_pk INTEGER PRIMARY KEY,
    request_id TEXT NOT NULL,
    time INTEGER NOT NULL,
    model TEXT NOT NULL,
    version TEXT NOT NULL,
    protocol TEXT NOT NULL,
    status INTEGER NOT NULL,
    latency_ms REAL NOT NULL,
    inputs TEXT,
    outputs TEXT,
    error TEXT
  );
  CREATE INDEX inference_log_by_model_time ON inference_log(model, version, time);
  CREATE INDEX inference_log_by_request ON inference_log(request_id);
  `,
  // v10: deployments (see serving/deploymentRecords.ts): one row per deployment with its state
  // now, and every change to it (deploy, scale, traffic, promote, roll back, stop, a replica
  // crash) with who, why, the evidence and the state after; the variant that answered a logged
  // request.
  `
  CREATE TABLE deployments (
    name TEXT PRIMARY KEY,
    creation_time INTEGER NOT NULL,
    last_update_time INTEGER NOT NULL,
    status TEXT NOT NULL,
    state TEXT NOT NULL
  );
  CREATE TABLE deployment_events (
    event_pk INTEGER PRIMARY KEY,
    deployment TEXT NOT NULL REFERENCES deployments(name),
    kind TEXT NOT NULL,
    time INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    reason TEXT,
    details TEXT NOT NULL,
    state TEXT NOT NULL
  );
  CREATE INDEX deployment_events_by_time ON deployment_events(deployment, time, event_pk);
  ALTER TABLE inference_log ADD COLUMN deployment TEXT;
  ALTER TABLE inference_log ADD COLUMN variant TEXT;
  `,
  // v11: registry webhooks (see webhooks/sqliteStore.ts), MLflow's: each webhook with its URL,
  // signing secret and status, and the events it is subscribed to, in the order given.
  `
  CREATE TABLE webhooks (
    webhook_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL,
    secret TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    creation_timestamp INTEGER NOT NULL,
    last_updated_timestamp INTEGER NOT NULL
  );
  CREATE INDEX webhooks_by_creation ON webhooks(creation_timestamp);
  CREATE TABLE webhook_events (
    webhook_id TEXT NOT NULL REFERENCES webhooks(webhook_id),
    entity TEXT NOT NULL,
    action TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (webhook_id, entity, action)
  ) WITHOUT ROWID;
  CREATE INDEX webhook_events_by_event ON webhook_events(entity, action);
  `,
  // v12: online experiments (see feedback/ and onlineExperiments/): the outcome of a served request
  // (a label, a reward in [0, 1] or a value), one per request id, with the deployment, variant and
  // model version that answered it; and an experiment's record over time (bandit allocations,
  // decisions with their evidence).
  `
  CREATE TABLE inference_feedback (
    feedback_pk INTEGER PRIMARY KEY,
    request_id TEXT NOT NULL UNIQUE,
    deployment TEXT,
    variant TEXT,
    model TEXT NOT NULL,
    version TEXT NOT NULL,
    request_time INTEGER NOT NULL,
    kind TEXT NOT NULL,
    label TEXT,
    value REAL,
    time INTEGER NOT NULL,
    received_time INTEGER NOT NULL,
    source TEXT NOT NULL
  );
  CREATE INDEX inference_feedback_by_deployment ON inference_feedback(deployment, variant, request_time);
  CREATE TABLE experiment_events (
    event_pk INTEGER PRIMARY KEY,
    deployment TEXT NOT NULL,
    kind TEXT NOT NULL,
    time INTEGER NOT NULL,
    details TEXT NOT NULL
  );
  CREATE INDEX experiment_events_by_time ON experiment_events(deployment, kind, time, event_pk);
  `,
  // v13: model monitoring (see monitoring/monitorStore.ts): reference profiles of model versions,
  // checked windows of the inference log with a row per feature (the feature x window heatmap),
  // and alert events.
  `
  CREATE INDEX IF NOT EXISTS inference_log_by_deployment_time ON inference_log(deployment, time);
  CREATE TABLE monitor_references (
    reference_pk INTEGER PRIMARY KEY,
    model TEXT NOT NULL,
    version TEXT NOT NULL,
    source TEXT NOT NULL,
    time INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    rows INTEGER NOT NULL,
    columns TEXT NOT NULL,
    data BLOB NOT NULL
  );
  CREATE INDEX monitor_references_by_version ON monitor_references(model, version, reference_pk);
  CREATE TABLE monitor_windows (
    window_pk INTEGER PRIMARY KEY,
    monitor TEXT NOT NULL,
    deployment TEXT NOT NULL,
    variant TEXT,
    model TEXT,
    version TEXT,
    kind TEXT NOT NULL,
    start_time INTEGER NOT NULL,
    end_time INTEGER NOT NULL,
    last_log_pk INTEGER,
    requests INTEGER NOT NULL,
    rows INTEGER NOT NULL,
    checked_time INTEGER NOT NULL,
    metrics TEXT NOT NULL,
    report TEXT NOT NULL
  );
  CREATE INDEX monitor_windows_by_monitor ON monitor_windows(monitor, window_pk);
  CREATE TABLE monitor_feature_scores (
    window_pk INTEGER NOT NULL REFERENCES monitor_windows(window_pk),
    feature TEXT NOT NULL,
    method TEXT NOT NULL,
    score REAL,
    threshold REAL NOT NULL,
    drifted INTEGER NOT NULL,
    missing_share REAL NOT NULL,
    PRIMARY KEY (window_pk, feature)
  );
  CREATE TABLE monitor_alert_events (
    event_pk INTEGER PRIMARY KEY,
    rule TEXT NOT NULL,
    monitor TEXT NOT NULL,
    deployment TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('firing', 'resolved')),
    severity TEXT NOT NULL,
    time INTEGER NOT NULL,
    user_id TEXT NOT NULL,
    window_pk INTEGER,
    value REAL,
    threshold REAL NOT NULL,
    evidence TEXT NOT NULL
  );
  CREATE INDEX monitor_alert_events_by_rule ON monitor_alert_events(rule, event_pk);
  `,
  // v14: the unit key of a logged request (the sticky header's value, e.g. a user id), so an
  // online experiment is analysed per unit, the level at which traffic was assigned.
  `
  ALTER TABLE inference_log ADD COLUMN unit TEXT;
  `,
];

/** Points per level-0 `metric_blocks` row. */
export const BLOCK_SIZE = 64;
/** A block of level n + 1 spans this many blocks of level n. */
export const BLOCK_FANOUT = 8;
/** Levels kept in `metric_blocks`: blocks of 64, 512, 4096 and 32768 points. */
export const BLOCK_LEVELS = 4;

/** Points per block at `level`. */
export function blockSpan(level: number): number {
  return BLOCK_SIZE * BLOCK_FANOUT ** level;
}

/** Brings a database up to the latest schema version; returns the version it found. */
export function migrate(db: Database.Database): number {
  const found = db.pragma('user_version', { simple: true }) as number;
  if (found > MIGRATIONS.length) {
    throw new Error(
      `this store has schema version ${found}, newer than this Sextant knows (${MIGRATIONS.length}); upgrade Sextant`,
    );
  }
  for (let version = found; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version] as string);
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
  return found;
}
