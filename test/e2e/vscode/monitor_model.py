"""The monitored model and its traffic of the monitoring UI tests (both IDEs), with the plain
`mlflow` client and scikit-learn.

`python monitor_model.py register OUT_DIR` logs a logistic regression on four standard-normal
features (seeded), registers it as version 1 of `scored` with alias `champion`, and writes its
training rows with their labels and predictions to OUT_DIR/train.csv (the reference data).

`python monitor_model.py traffic URL SHIFT WINDOWS` sends WINDOWS count windows of traffic to
the deployment at URL: 40 requests of one row each (performance is scored on single-row
requests), features f0 and f2 moved by SHIFT standard deviations, each request's true label sent
at once as feedback by its request id. The reference has 800 rows, so numerical features are
tested with Kolmogorov-Smirnov (Evidently's choice up to 1,000 reference rows).
"""

import sys
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import requests

FEATURES = ["f0", "f1", "f2", "f3"]
WINDOW = 40
ROWS = 1


def draw(rng: np.random.Generator, n: int, shift: float = 0.0) -> pd.DataFrame:
    X = pd.DataFrame(rng.normal(0.0, 1.0, size=(n, 4)), columns=FEATURES)
    X["f0"] += shift
    X["f2"] += shift
    return X


def truth(X: pd.DataFrame) -> np.ndarray:
    return (X["f0"] + 0.5 * X["f1"] - X["f2"] > 0.5).astype(int).to_numpy()


def register(out: Path) -> None:
    import mlflow
    from mlflow import MlflowClient
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(20261205)
    X = draw(rng, 800)
    y = truth(X)
    fitted = LogisticRegression().fit(X, y)
    mlflow.set_experiment("monitoring-e2e")
    with mlflow.start_run(run_name="train-scored"):
        # Requirements given: inferring them imports every package of the environment (a minute).
        mlflow.sklearn.log_model(
            fitted,
            name="model",
            input_example=X.head(3),
            registered_model_name="scored",
            pip_requirements=["mlflow", "scikit-learn", "pandas"],
        )
    MlflowClient().set_registered_model_alias("scored", "champion", "1")
    X.assign(label=y, prediction=fitted.predict(X)).to_csv(out / "train.csv", index=False)


def traffic(url: str, shift: float, windows: int) -> None:
    rng = np.random.default_rng(int(shift * 100) + windows)
    for _ in range(windows * WINDOW):
        X = draw(rng, ROWS, shift)
        request_id = f"ui-{uuid.uuid4().hex[:10]}"
        answer = requests.post(
            f"{url}/invocations",
            json={"dataframe_split": X.to_dict(orient="split")},
            headers={"x-request-id": request_id},
            timeout=30,
        )
        answer.raise_for_status()
        feedback = requests.post(
            f"{url}/v2/sextant/feedback",
            json={"request_id": request_id, "label": int(truth(X)[0])},
            timeout=30,
        )
        feedback.raise_for_status()
    print(f"sent {windows} window(s) of {WINDOW} requests, shift {shift}")


if __name__ == "__main__":
    if sys.argv[1] == "register":
        register(Path(sys.argv[2]))
    else:
        traffic(sys.argv[2], float(sys.argv[3]), int(sys.argv[4]))
