"""Bulk-loads benchmark data into an MLflow SQLite tracking database.

Populating 100k runs or a million-point series through MLflow's REST API takes far longer than a
benchmark may, so the benchmarks write the same generated data straight into MLflow's tables, the
way Sextant's side is written straight through its Engine. MLflow's own SqlAlchemyStore creates
the schema (all migrations) and the experiment; the rows then go in with executemany.

    python mlflow_load.py runs    DB DATA.json   -> prints {"experiment_id": ...}
    python mlflow_load.py history DB DATA.json   -> prints {"experiment_id": ..., "run_id": ...}

DATA.json for `runs` (written by search.ts):
    {"experiment": name, "columns": [...], "runs": [[run_id, name, start_time, lr, batch,
     optimizer, acc, loss], ...], "metric_timestamp": ms}
DATA.json for `history` (written by history.ts):
    {"experiment": name, "run_id": id, "run_name": name, "key": key, "start_time": ms,
     "values_file": path of n little-endian float64, "timestamp_base": ms}
    point i has step i, timestamp timestamp_base + i and value values[i].
"""

import array
import json
import sqlite3
import sys
import time

from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

ARTIFACT_ROOT = "mlflow-artifacts:/"


def open_store(db_path):
    """MLflow's own store on the file: it creates the schema (every migration)."""
    return SqlAlchemyStore(f"sqlite:///{db_path}", ARTIFACT_ROOT)


def connect(db_path):
    # MLflow leaves SQLite in its default rollback-journal mode; only this loading connection
    # skips fsync (synchronous is per connection, not stored in the file).
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA synchronous = OFF")
    return conn


def run_row(experiment_id, artifact_location, run_id, name, start_time):
    """A RUNNING run (no end time), as Sextant's side has after create-run and log-batch."""
    return (
        run_id,
        name,
        "LOCAL",
        "",
        "",
        "bench",
        "RUNNING",
        start_time,
        None,
        "",
        "active",
        f"{artifact_location}/{run_id}/artifacts",
        experiment_id,
    )


INSERT_RUN = (
    "INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status,"
    " start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
INSERT_TAG = "INSERT INTO tags (key, value, run_uuid) VALUES (?, ?, ?)"
INSERT_PARAM = "INSERT INTO params (key, value, run_uuid) VALUES (?, ?, ?)"
INSERT_LATEST = (
    "INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid)"
    " VALUES (?, ?, ?, ?, 0, ?)"
)
INSERT_METRIC = (
    "INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) VALUES (?, ?, ?, ?, ?, 0)"
)


def load_runs(db_path, data):
    store = open_store(db_path)
    experiment_id = int(store.create_experiment(data["experiment"]))
    artifact_location = store.get_experiment(str(experiment_id)).artifact_location
    store.engine.dispose()
    ts = data["metric_timestamp"]
    runs = data["runs"]
    conn = connect(db_path)
    with conn:
        conn.executemany(
            INSERT_RUN,
            (run_row(experiment_id, artifact_location, r[0], r[1], r[2]) for r in runs),
        )
        conn.executemany(
            INSERT_TAG,
            (t for r in runs for t in (("mlflow.runName", r[1], r[0]), ("mlflow.user", "bench", r[0]))),
        )
        conn.executemany(
            INSERT_PARAM,
            (
                p
                for r in runs
                for p in (("lr", r[3], r[0]), ("batch", r[4], r[0]), ("optimizer", r[5], r[0]))
            ),
        )
        conn.executemany(
            INSERT_LATEST,
            (m for r in runs for m in (("acc", r[6], ts, 0, r[0]), ("loss", r[7], ts, 0, r[0]))),
        )
        conn.executemany(
            INSERT_METRIC,
            (m for r in runs for m in (("acc", r[6], ts, r[0], 0), ("loss", r[7], ts, r[0], 0))),
        )
    # No ANALYZE: a store filled through MLflow's API has no sqlite_stat1 either.
    conn.close()
    return {"experiment_id": str(experiment_id)}


def load_history(db_path, data):
    store = open_store(db_path)
    experiment_id = int(store.create_experiment(data["experiment"]))
    artifact_location = store.get_experiment(str(experiment_id)).artifact_location
    store.engine.dispose()
    values = array.array("d")
    with open(data["values_file"], "rb") as f:
        values.frombytes(f.read())
    if sys.byteorder != "little":
        values.byteswap()
    run_id = data["run_id"]
    key = data["key"]
    base = data["timestamp_base"]
    n = len(values)
    conn = connect(db_path)
    with conn:
        row = run_row(experiment_id, artifact_location, run_id, data["run_name"], data["start_time"])
        conn.execute(INSERT_RUN, row)
        conn.execute(INSERT_TAG, ("mlflow.runName", data["run_name"], run_id))
        conn.executemany(INSERT_METRIC, ((key, values[i], base + i, run_id, i) for i in range(n)))
        conn.execute(INSERT_LATEST, (key, values[n - 1], base + n - 1, n - 1, run_id))
    # No ANALYZE: a store filled through MLflow's API has no sqlite_stat1 either.
    conn.close()
    return {"experiment_id": str(experiment_id), "run_id": run_id, "points": n}


def main():
    command, db_path, data_path = sys.argv[1:4]
    with open(data_path) as f:
        data = json.load(f)
    started = time.perf_counter()
    if command == "runs":
        result = load_runs(db_path, data)
    elif command == "history":
        result = load_history(db_path, data)
    else:
        raise SystemExit(f"unknown command {command!r}")
    result["seconds"] = round(time.perf_counter() - started, 2)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
