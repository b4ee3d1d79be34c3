"""Trains a random forest on data/train.csv and saves it to models/model.pkl."""

import pickle
from pathlib import Path

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
print(f"trained {params['n_estimators']} trees of depth at most {params['max_depth']}")
