"""Saves the serving benchmark's model: a scikit-learn pipeline (scaler + logistic regression) on
a seeded 8-feature classification set, as an MLflow model with a signature, in the folder given.
Prints one request body (dataframe_split, one row) for both servers."""

import json
import sys

import mlflow.sklearn
import numpy as np
import pandas as pd
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

X, y = make_classification(n_samples=2000, n_features=8, random_state=20261205)
frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(8)])
model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(frame, y)
mlflow.sklearn.save_model(model, sys.argv[1], input_example=frame.head(2))
rows = frame.sample(1, random_state=1)
expected = np.asarray(model.predict(rows)).tolist()
print(json.dumps({"body": {"dataframe_split": rows.to_dict(orient="split")}, "expected": expected}))
