"""Trains the first champion on the world before the drift and registers it through the mlflow
client (MLFLOW_TRACKING_URI names the Sextant server): version 1 of ct-classifier holds both the
`champion` and the `challenger` alias until a retraining registers a better one. Writes the
training data with the model's predictions to data/reference.csv, the drift monitor's reference,
and an empty data/live.csv, where the labelled traffic will land.
"""

from __future__ import annotations

from pathlib import Path

import mlflow
import numpy as np
import sklearn
from mlflow import MlflowClient
from sklearn.linear_model import LogisticRegression

from world import FEATURES, draw

NAME = "ct-classifier"

data = draw(np.random.default_rng(1), 1000)
X, y = data[FEATURES], data["label"]
model = LogisticRegression().fit(X, y)
mlflow.set_experiment("continuous-training")
with mlflow.start_run(run_name="champion"):
    mlflow.log_metric("train_accuracy", model.score(X, y))
    info = mlflow.sklearn.log_model(
        model,
        name="model",
        input_example=X.head(3),
        serialization_format="cloudpickle",
        registered_model_name=NAME,
        pip_requirements=[f"scikit-learn=={sklearn.__version__}", f"mlflow=={mlflow.__version__}"],
    )
version = str(info.registered_model_version)
client = MlflowClient()
client.set_registered_model_alias(NAME, "champion", version)
client.set_registered_model_alias(NAME, "challenger", version)
Path("data").mkdir(exist_ok=True)
data.assign(prediction=model.predict(X)).to_csv("data/reference.csv", index=False)
# The labelled traffic lands here (traffic.py appends to it): empty until traffic comes.
if not Path("data/live.csv").exists():
    Path("data/live.csv").write_text(",".join([*FEATURES, "label"]) + "\n")
print(f"{NAME} version {version} is the champion (and the challenger); reference: data/reference.csv")
