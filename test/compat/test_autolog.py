"""`mlflow.sklearn.autolog()`: params, training metrics, and an MLflow 3 logged model that loads."""

from __future__ import annotations

import mlflow
import mlflow.sklearn
import numpy as np
import pytest
from mlflow.entities import LoggedModelStatus


@pytest.fixture
def iris():
    from sklearn.datasets import load_iris

    return load_iris(return_X_y=True)


@pytest.fixture
def autolog():
    mlflow.sklearn.autolog(silent=True)
    yield
    mlflow.sklearn.autolog(disable=True)


def test_sklearn_autolog_logistic_regression(client, experiment_id, iris, autolog, tmp_path):
    from sklearn.linear_model import LogisticRegression

    features, labels = iris
    with mlflow.start_run(run_name="autolog-lr") as run:
        estimator = LogisticRegression(max_iter=300, C=0.5).fit(features, labels)
    run_id = run.info.run_id
    expected = estimator.predict(features[:10])

    fetched = client.get_run(run_id)
    assert fetched.info.status == "FINISHED"
    params = fetched.data.params
    assert params["C"] == "0.5"
    assert params["max_iter"] == "300"
    assert "solver" in params
    metrics = fetched.data.metrics
    assert metrics["training_accuracy_score"] == pytest.approx(estimator.score(features, labels))
    for key in ("training_precision_score", "training_recall_score", "training_f1_score", "training_log_loss"):
        assert key in metrics
    assert fetched.data.tags["estimator_name"] == "LogisticRegression"
    assert fetched.data.tags["estimator_class"] == "sklearn.linear_model._logistic.LogisticRegression"

    outputs = fetched.outputs.model_outputs
    assert len(outputs) == 1
    model_id = outputs[0].model_id
    assert model_id.startswith("m-")

    model = client.get_logged_model(model_id)
    assert model.status == LoggedModelStatus.READY
    assert model.source_run_id == run_id
    assert model.experiment_id == experiment_id
    assert model.metrics and any(m.key == "training_accuracy_score" for m in model.metrics)
    found = mlflow.search_logged_models(experiment_ids=[experiment_id], output_format="list")
    assert [m.model_id for m in found] == [model_id]

    loaded = mlflow.sklearn.load_model(f"models:/{model_id}")
    np.testing.assert_array_equal(loaded.predict(features[:10]), expected)
    by_run = mlflow.pyfunc.load_model(f"runs:/{run_id}/model")
    np.testing.assert_array_equal(by_run.predict(features[:10]), expected)

    mlmodel = mlflow.artifacts.load_text(f"{model.artifact_location}/MLmodel")
    assert "sklearn" in mlmodel and model_id in mlmodel
