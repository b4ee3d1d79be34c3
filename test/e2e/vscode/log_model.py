"""Logs what the Models UI test registers, through the plain `mlflow` client and scikit-learn.

`python log_model.py OUT_DIR` logs two finished runs of experiment `models-e2e`, `train-weak` and
`train-strong` (logistic regressions on scikit-learn's breast-cancer data with C 1e-4 and 1.0),
each with its training rows as a dataset input and its model logged by `mlflow.sklearn.log_model`
(signature from an input example), writes
the held-out rows with a `label` column to OUT_DIR/eval.csv, and prints the run ids as JSON.
"""

import json
import sys
from pathlib import Path

import mlflow
import mlflow.data
import mlflow.sklearn
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split


def main(out: Path) -> None:
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X = X.iloc[:, :8]
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
    mlflow.set_experiment("models-e2e")
    ids = {}
    for name, c in (("train-weak", 1e-4), ("train-strong", 1.0)):
        with mlflow.start_run(run_name=name) as run:
            train = X_train.copy()
            train["label"] = y_train
            mlflow.log_input(mlflow.data.from_pandas(train, name="breast-cancer-train"), context="training")
            mlflow.log_params({"C": c, "max_iter": 5000})
            model = LogisticRegression(C=c, max_iter=5000).fit(X_train, y_train)
            mlflow.log_metric("train_accuracy", model.score(X_train, y_train))
            mlflow.sklearn.log_model(model, name="model", input_example=X_train.iloc[:2])
            ids[name] = run.info.run_id
    frame = X_test.copy()
    frame["label"] = y_test
    frame.to_csv(out / "eval.csv", index=False)
    print(json.dumps(ids))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
