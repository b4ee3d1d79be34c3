"""MLflow 3 logged models: create, tag, finalize, search (filters, order_by, paging), delete."""

from __future__ import annotations

import mlflow
import pytest
from mlflow.entities import LoggedModelStatus
from mlflow.exceptions import MlflowException


@pytest.fixture
def three_models(client, experiment_id):
    """Three external models, each with an accuracy logged by one run on the `eval` dataset."""
    ids = {}
    with mlflow.start_run() as run:
        for name, acc in (("small", 0.71), ("medium", 0.93), ("large", 0.85)):
            model = mlflow.create_external_model(name=name, tags={"size": name}, model_type="agent")
            mlflow.log_metric("acc", acc, model_id=model.model_id)
            ids[name] = model.model_id
    return run.info.run_id, ids


def test_external_model_fields(client, experiment_id, three_models):
    run_id, ids = three_models
    model = client.get_logged_model(ids["medium"])
    assert model.name == "medium"
    assert model.experiment_id == experiment_id
    assert model.status == LoggedModelStatus.READY
    assert model.model_type == "agent"
    assert model.tags["size"] == "medium"
    assert [(m.key, m.value, m.run_id) for m in model.metrics] == [("acc", 0.93, run_id)]
    assert model.artifact_location.endswith(f"{ids['medium']}/artifacts")


def test_search_logged_models_filter_and_order(client, experiment_id, three_models):
    _, ids = three_models
    search = lambda **kw: [  # noqa: E731
        m.name for m in mlflow.search_logged_models(experiment_ids=[experiment_id], output_format="list", **kw)
    ]
    assert search(filter_string="metrics.acc > 0.8", order_by=[{"field_name": "metrics.acc", "ascending": False}]) == [
        "medium",
        "large",
    ]
    assert search(order_by=[{"field_name": "metrics.acc", "ascending": True}]) == ["small", "large", "medium"]
    assert search(filter_string="name = 'small'") == ["small"]
    assert search(filter_string="tags.size LIKE 'm%'") == ["medium"]
    assert search(filter_string="name IN ('small', 'large')", order_by=[{"field_name": "name"}]) == ["large", "small"]
    assert search(filter_string="metrics.acc < 0.5") == []
    assert sorted(search()) == ["large", "medium", "small"]
    assert search(order_by=[{"field_name": "creation_time", "ascending": True}]) == ["small", "medium", "large"]
    with pytest.raises(MlflowException) as excinfo:
        search(filter_string="metrics.acc LIKE 'x'")
    assert excinfo.value.error_code == "INVALID_PARAMETER_VALUE"


def test_search_logged_models_paging(client, experiment_id, three_models):
    seen, token = [], None
    for _ in range(3):
        page = client.search_logged_models(
            experiment_ids=[experiment_id], max_results=2, order_by=[{"field_name": "name"}], page_token=token
        )
        seen.extend(m.name for m in page)
        token = page.token
        if not token:
            break
    assert seen == ["large", "medium", "small"]
    assert token is None


def test_logged_model_tags_params_finalize_delete(client, experiment_id):
    model = mlflow.initialize_logged_model(name="pending-model", params={"lr": "0.1"})
    assert client.get_logged_model(model.model_id).status == LoggedModelStatus.PENDING
    mlflow.set_logged_model_tags(model.model_id, {"stage": "candidate", "owner": "ada"})
    client.delete_logged_model_tag(model.model_id, "owner")
    client.log_model_params(model.model_id, {"extra": "1"})
    mlflow.finalize_logged_model(model.model_id, LoggedModelStatus.FAILED)
    fetched = client.get_logged_model(model.model_id)
    assert fetched.status == LoggedModelStatus.FAILED
    assert {k: v for k, v in fetched.tags.items() if not k.startswith("mlflow.")} == {"stage": "candidate"}
    assert fetched.params == {"lr": "0.1", "extra": "1"}

    client.delete_logged_model(model.model_id)
    with pytest.raises(MlflowException) as excinfo:
        client.get_logged_model(model.model_id)
    assert excinfo.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    assert mlflow.search_logged_models(experiment_ids=[experiment_id], output_format="list") == []
