"""Trains a small scikit-learn model and logs it to whatever MLFLOW_TRACKING_URI points at.

Plain `mlflow` code, nothing Sextant-specific: run it against a Sextant server and it logs there.
"""

import warnings

import mlflow
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, log_loss
from sklearn.model_selection import train_test_split

# The early "epochs" stop lbfgs on purpose, to draw a loss curve: their warnings are expected.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

mlflow.set_experiment("sextant-demo")
X, y = load_iris(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)

with mlflow.start_run(run_name="logreg-demo") as run:
    params = {"C": 0.5, "max_iter": 200}
    mlflow.log_params(params)
    model = LogisticRegression(**params)
    for epoch in range(1, 21):
        model.set_params(max_iter=epoch * 5)
        model.fit(X_train, y_train)
        mlflow.log_metric("train_loss", log_loss(y_train, model.predict_proba(X_train)), step=epoch)
    predictions = model.predict(X_test)
    mlflow.log_metrics(
        {
            "accuracy": accuracy_score(y_test, predictions),
            "f1_macro": f1_score(y_test, predictions, average="macro"),
        }
    )
    mlflow.set_tag("example", "iris")
    mlflow.sklearn.log_model(model, name="model", input_example=X_test[:2])
    print(f"logged run {run.info.run_id} to {mlflow.get_tracking_uri()}")
