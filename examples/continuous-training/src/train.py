"""Fits a logistic regression on data/recent/train.csv and saves it as the MLflow model folder
models/classifier (the evaluate, gate and register steps read it)."""

from __future__ import annotations

import shutil
from pathlib import Path

import mlflow
import pandas as pd
import sklearn
from sklearn.linear_model import LogisticRegression

from world import FEATURES

train = pd.read_csv("data/recent/train.csv")
model = LogisticRegression().fit(train[FEATURES], train["label"])
out = Path("models/classifier")
if out.exists():
    shutil.rmtree(out)
mlflow.sklearn.save_model(
    model,
    str(out),
    input_example=train[FEATURES].head(3),
    serialization_format="cloudpickle",
    pip_requirements=[f"scikit-learn=={sklearn.__version__}", f"mlflow=={mlflow.__version__}"],
)
print(f"trained on {len(train)} rows: training accuracy {model.score(train[FEATURES], train['label']):.3f}")
