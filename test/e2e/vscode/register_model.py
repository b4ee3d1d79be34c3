"""Registers the models of the runs log_model.py logged as versions 1 and 2 of `churn`, and points
`champion` at version 1. Argument: the JSON of run ids by run name that log_model.py printed."""

import json
import sys

import mlflow
from mlflow import MlflowClient

ids = json.loads(sys.argv[1])
for name in ("train-weak", "train-strong"):
    mlflow.register_model(f"runs:/{ids[name]}/model", "churn")
MlflowClient().set_registered_model_alias("churn", "champion", "1")
