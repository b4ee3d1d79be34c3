"""Logs the runs the runs-table UI test looks at, through the plain `mlflow` client.

`python log_table_runs.py` logs eight finished runs of experiment `table-e2e`: `lr` and `model`
vary, `seed` does not; each has `test_accuracy` and `loss`; `trial-5` has the best accuracy and
`trial-2` the lowest loss. Prints the run ids by name as JSON.
"""

import json

import mlflow

ACCURACY = [0.81, 0.86, 0.9, 0.84, 0.93, 0.97, 0.88, 0.79]
LOSS = [0.52, 0.41, 0.12, 0.33, 0.25, 0.18, 0.3, 0.6]


def main() -> None:
    mlflow.set_experiment("table-e2e")
    ids = {}
    for i, (accuracy, loss) in enumerate(zip(ACCURACY, LOSS)):
        with mlflow.start_run(run_name=f"trial-{i}") as run:
            mlflow.log_params(
                {
                    "lr": ["0.1", "0.01", "0.001"][i % 3],
                    "model": "random_forest" if i % 2 else "logistic_regression",
                    "seed": "7",
                }
            )
            mlflow.log_metrics({"test_accuracy": accuracy, "loss": loss})
            mlflow.set_tag("team", "vision" if i < 4 else "nlp")
            ids[f"trial-{i}"] = run.info.run_id
    print(json.dumps(ids))


if __name__ == "__main__":
    main()
