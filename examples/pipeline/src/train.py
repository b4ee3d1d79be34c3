"""Trains a random forest on data/train.csv and saves it to models/model.pkl, and as an MLflow
model folder to models/classifier (what sextant/evaluate and sextant/register take)."""

import pickle
import shutil
import warnings
from pathlib import Path

import mlflow.sklearn

import pandas as pd
from sklearn.ensemble import RandomForestClassifier

from params import load

params = load("train")
train = pd.read_csv("data/train.csv")
model = RandomForestClassifier(
    n_estimators=params["n_estimators"],
    max_depth=params["max_depth"],
    random_state=params["seed"],
)
model.fit(train.drop(columns="label"), train["label"])
Path("models").mkdir(exist_ok=True)
with open("models/model.pkl", "wb") as handle:
    pickle.dump(model, handle)
shutil.rmtree("models/classifier", ignore_errors=True)
features = train.drop(columns="label")
with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)  # mlflow's hint on integer columns
    mlflow.sklearn.save_model(
        model,
        "models/classifier",
        input_example=features.iloc[:2],
        skops_trusted_types=["sklearn.tree._tree.Tree"],
    )
print(f"trained {params['n_estimators']} trees of depth at most {params['max_depth']}")
