"""Bulk-loads the registry benchmark's models into an MLflow SQLite database.

MLflow's own SqlAlchemyStore creates the schema (every migration); the rows then go into its
registry tables with executemany, the same generated data Sextant's side registers through its
Engine (registry.ts writes it to DATA.json).

    python mlflow_registry_load.py DB DATA.json   -> prints {"seconds": ...}

DATA.json: {"models": [{"name", "created", "tags": {k: v}, "aliases": {alias: version},
            "versions": [{"version", "created", "run_id", "stage", "tags": {k: v}}]}]}
"""

import json
import sqlite3
import sys
import time

from mlflow.store.model_registry.sqlalchemy_store import SqlAlchemyStore

WORKSPACE = "default"


def main(db_path, data_path):
    SqlAlchemyStore(f"sqlite:///{db_path}")
    with open(data_path) as f:
        data = json.load(f)
    started = time.time()
    conn = sqlite3.connect(db_path)
    conn.execute("PRAGMA synchronous = OFF")
    models, model_tags, aliases, versions, version_tags = [], [], [], [], []
    for m in data["models"]:
        last = max(v["created"] for v in m["versions"])
        models.append((m["name"], m["created"], last, "", WORKSPACE))
        model_tags += [(k, v, m["name"], WORKSPACE) for k, v in m["tags"].items()]
        aliases += [(a, v, m["name"], WORKSPACE) for a, v in m["aliases"].items()]
        for v in m["versions"]:
            source = f"mlflow-artifacts:/1/{v['run_id']}/artifacts/model"
            versions.append(
                (m["name"], v["version"], v["created"], v["created"], "", "bench", v["stage"], source,
                 v["run_id"], "READY", None, "", source, WORKSPACE)
            )
            version_tags += [(k, val, m["name"], v["version"], WORKSPACE) for k, val in v["tags"].items()]
    with conn:
        conn.executemany(
            "INSERT INTO registered_models (name, creation_time, last_updated_time, description, workspace)"
            " VALUES (?, ?, ?, ?, ?)",
            models,
        )
        conn.executemany(
            "INSERT INTO registered_model_tags (key, value, name, workspace) VALUES (?, ?, ?, ?)", model_tags
        )
        conn.executemany(
            "INSERT INTO registered_model_aliases (alias, version, name, workspace) VALUES (?, ?, ?, ?)", aliases
        )
        conn.executemany(
            "INSERT INTO model_versions (name, version, creation_time, last_updated_time, description, user_id,"
            " current_stage, source, run_id, status, status_message, run_link, storage_location, workspace)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            versions,
        )
        conn.executemany(
            "INSERT INTO model_version_tags (key, value, name, version, workspace) VALUES (?, ?, ?, ?, ?)",
            version_tags,
        )
    conn.close()
    print(json.dumps({"seconds": time.time() - started}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
