"""Logs the runs the VS Code UI test looks at, through the plain `mlflow` client.

`python log_runs.py seed` logs two finished runs of experiment `e2e` (lr differs, seed does not)
and prints their ids as JSON; `python log_runs.py point RUN_ID STEP VALUE` logs one `loss` point.
"""

import json
import math
import sys

import mlflow
from mlflow.tracking import MlflowClient


def seed() -> None:
    mlflow.set_experiment("e2e")
    ids = {}
    for name, lr in (("run-a", 0.1), ("run-b", 0.01)):
        with mlflow.start_run(run_name=name) as run:
            mlflow.log_params({"lr": lr, "seed": 7})
            mlflow.set_tag("team", "vision")
            for step in range(50):
                mlflow.log_metric("loss", math.exp(-lr * 10 * step / 10) + 0.01 * (step % 3), step=step)
                mlflow.log_metric("accuracy", 1 - math.exp(-lr * 5 * step / 10), step=step)
            ids[name] = run.info.run_id
    print(json.dumps(ids))


def point(run_id: str, step: int, value: float) -> None:
    MlflowClient().log_metric(run_id, "loss", value, step=step)


if __name__ == "__main__":
    if sys.argv[1] == "seed":
        seed()
    else:
        point(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
