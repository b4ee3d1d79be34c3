"""Logs runs as scikit-learn autolog does, for the experiment views' UI test.

Three LogisticRegression fits on iris with mlflow.sklearn.autolog (many constant params, some with
long class-name values, a dozen single-value training metrics, a logged model each), plus a
200-step loss series and a few system/ metric points per run, and an HTML report (with a script
that must not run in the preview) for fit-c1. Prints the run ids as JSON.
"""

import json
import math
import time

import mlflow
from mlflow.entities import Metric
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def main() -> None:
    mlflow.set_experiment("autolog")
    mlflow.sklearn.autolog(log_input_examples=False, silent=True)
    x, y = load_iris(return_X_y=True)
    ids = {}
    for name, c, max_iter in (("fit-c01", 0.1, 100), ("fit-c1", 1.0, 200), ("fit-c10", 10.0, 400)):
        with mlflow.start_run(run_name=name) as run:
            make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=max_iter)).fit(x, y)
            now = int(time.time() * 1000)
            series = [
                Metric("loss", math.exp(-c * step / 60) + 0.02 * (step % 5), now + step, step)
                for step in range(200)
            ] + [
                Metric("system/cpu_utilization_percentage", 20 + 5 * step + c, now + step, step)
                for step in range(3)
            ]
            mlflow.MlflowClient().log_batch(run.info.run_id, metrics=series)
            mlflow.log_metric("system/gpu_0_memory_usage_megabytes", 512.0)
            if name == "fit-c1":
                mlflow.log_text(
                    '<h1>Fit report</h1><p id="state">static</p>'
                    "<script>document.getElementById('state').textContent = 'script ran'</script>",
                    "report.html",
                )
            ids[name] = run.info.run_id
    print(json.dumps(ids))


if __name__ == "__main__":
    main()
