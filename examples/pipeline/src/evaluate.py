"""Scores models/model.pkl on data/test.csv and writes metrics.json."""

import json
import pickle

import pandas as pd
from sklearn.metrics import accuracy_score, f1_score

test = pd.read_csv("data/test.csv")
with open("models/model.pkl", "rb") as handle:
    model = pickle.load(handle)
predicted = model.predict(test.drop(columns="label"))
metrics = {
    "accuracy": round(float(accuracy_score(test["label"], predicted)), 6),
    "f1": round(float(f1_score(test["label"], predicted)), 6),
}
with open("metrics.json", "w") as handle:
    json.dump(metrics, handle, indent=2)
print(json.dumps(metrics))
