"""The model registry with the real mlflow client: every MlflowClient registry call, register_model,
log_model(registered_model_name=...), and a sklearn model loaded back by alias and by version."""

from __future__ import annotations

import uuid

import mlflow
import numpy as np
import pytest
import requests
from mlflow.entities.model_registry import ModelVersion
from mlflow.exceptions import MlflowException


def _name(prefix: str = "model") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _code(excinfo) -> str:
    return excinfo.value.error_code


@pytest.fixture
def logged(experiment_id):
    """A small sklearn model logged in a run: (run_id, model_info, X, model)."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    model = LogisticRegression().fit(X, y)
    with mlflow.start_run() as run:
        info = mlflow.sklearn.log_model(model, name="model", input_example=X[:2])
    return run.info.run_id, info, X, model


def test_registered_model_crud(client):
    name = _name()
    created = client.create_registered_model(name, tags={"team": "fraud"}, description="first")
    assert created.name == name and created.description == "first"
    assert created.tags == {"team": "fraud"}
    got = client.get_registered_model(name)
    assert got.creation_timestamp == created.creation_timestamp
    client.update_registered_model(name, description="second")
    assert client.get_registered_model(name).description == "second"
    client.set_registered_model_tag(name, "stage", "dev")
    assert client.get_registered_model(name).tags == {"team": "fraud", "stage": "dev"}
    client.delete_registered_model_tag(name, "team")
    assert client.get_registered_model(name).tags == {"stage": "dev"}
    renamed = _name("renamed")
    client.rename_registered_model(name, renamed)
    assert client.get_registered_model(renamed).tags == {"stage": "dev"}
    with pytest.raises(MlflowException) as excinfo:
        client.get_registered_model(name)
    assert _code(excinfo) == "RESOURCE_DOES_NOT_EXIST"
    client.delete_registered_model(renamed)
    with pytest.raises(MlflowException) as excinfo:
        client.get_registered_model(renamed)
    assert _code(excinfo) == "RESOURCE_DOES_NOT_EXIST"


def test_registered_model_errors(client):
    name = _name()
    client.create_registered_model(name)
    with pytest.raises(MlflowException) as excinfo:
        client.create_registered_model(name)
    assert _code(excinfo) == "RESOURCE_ALREADY_EXISTS"
    other = _name()
    client.create_registered_model(other)
    with pytest.raises(MlflowException) as excinfo:
        client.rename_registered_model(name, other)
    assert _code(excinfo) == "RESOURCE_ALREADY_EXISTS"
    for bad in ("a/b", "a:b", "", "../x"):
        with pytest.raises(MlflowException) as excinfo:
            client.create_registered_model(bad)
        assert _code(excinfo) == "INVALID_PARAMETER_VALUE"
    with pytest.raises(MlflowException) as excinfo:
        client.delete_registered_model_tag(name, "missing")
    assert _code(excinfo) == "RESOURCE_DOES_NOT_EXIST"


def test_search_registered_models_filter_order_paging(client):
    prefix = f"srch{uuid.uuid4().hex[:6]}"
    names = [f"{prefix}-{i}" for i in range(5)]
    for i, name in enumerate(names):
        client.create_registered_model(name, tags={"parity": "even" if i % 2 == 0 else "odd"})
    found = lambda **kw: [m.name for m in client.search_registered_models(**kw)]  # noqa: E731
    assert found(filter_string=f"name LIKE '{prefix}-%'") == names
    assert found(filter_string=f"name = '{names[2]}'") == [names[2]]
    assert found(filter_string=f"name ILIKE '{prefix.upper()}-%' AND tags.parity = 'odd'") == [names[1], names[3]]
    assert found(filter_string=f"name LIKE '{prefix}-%'", order_by=["name DESC"]) == names[::-1]
    assert found(filter_string=f"name LIKE '{prefix}-%'", order_by=["creation_timestamp DESC"]) == names[::-1]
    assert found(filter_string=f"name LIKE '{prefix}%' AND tags.parity != 'odd'") == [names[0], names[2], names[4]]
    seen, token = [], None
    while True:
        page = client.search_registered_models(
            filter_string=f"name LIKE '{prefix}-%'", max_results=2, page_token=token
        )
        seen += [m.name for m in page]
        token = page.token
        if not token:
            break
    assert seen == names
    with pytest.raises(MlflowException) as excinfo:
        client.search_registered_models(filter_string="run_id = 'x'")
    assert _code(excinfo) == "INVALID_PARAMETER_VALUE"
    with pytest.raises(MlflowException) as excinfo:
        client.search_registered_models(max_results=1001)
    assert _code(excinfo) == "INVALID_PARAMETER_VALUE"


def test_model_versions_tags_stages_and_search(client, logged):
    run_id, info, _, _ = logged
    name = _name()
    client.create_registered_model(name)
    v1 = client.create_model_version(name, f"runs:/{run_id}/model", run_id=run_id, tags={"k": "v"}, description="d1")
    v2 = client.create_model_version(name, info.model_uri, run_id=run_id, model_id=info.model_id)
    assert (v1.version, v2.version) == ("1", "2")
    assert v1.status == "READY" and v1.current_stage == "None"
    assert v1.tags == {"k": "v"} and v1.description == "d1" and v1.run_id == run_id
    assert v2.source == info.model_uri  # the client's entity drops model_id; the wire keeps it
    got = client.get_model_version(name, "1")
    assert got.source == f"runs:/{run_id}/model"
    client.update_model_version(name, "1", description="d2")
    assert client.get_model_version(name, "1").description == "d2"
    client.set_model_version_tag(name, "1", "quality", "good")
    assert client.get_model_version(name, "1").tags == {"k": "v", "quality": "good"}
    client.delete_model_version_tag(name, "1", "k")
    assert client.get_model_version(name, "1").tags == {"quality": "good"}
    uri = client.get_model_version_download_uri(name, "1")
    assert uri.startswith("mlflow-artifacts:/") and uri.endswith("/artifacts/model")

    staged = client.transition_model_version_stage(name, "1", "Staging")
    assert staged.current_stage == "Staging"
    client.transition_model_version_stage(name, "2", "staging", archive_existing_versions=True)
    assert client.get_model_version(name, "1").current_stage == "Archived"
    latest = client.get_latest_versions(name, stages=["Staging"])
    assert [v.version for v in latest] == ["2"]
    assert sorted(v.version for v in client.get_latest_versions(name)) == ["1", "2"]
    with pytest.raises(MlflowException) as excinfo:
        client.transition_model_version_stage(name, "1", "Nowhere")
    assert _code(excinfo) == "INVALID_PARAMETER_VALUE"

    found = lambda **kw: [(v.name, v.version) for v in client.search_model_versions(**kw)]  # noqa: E731
    assert found(filter_string=f"name = '{name}'") == [(name, "2"), (name, "1")]
    assert found(filter_string=f"name = '{name}'", order_by=["version_number ASC"]) == [(name, "1"), (name, "2")]
    assert found(filter_string=f"name = '{name}' AND tags.quality = 'good'") == [(name, "1")]
    assert found(filter_string=f"run_id = '{run_id}' AND name = '{name}' AND version_number = 2") == [(name, "2")]
    assert found(filter_string=f"name = '{name}' AND run_id IN ('{run_id}', 'other')", max_results=1) == [(name, "2")]
    page = client.search_model_versions(filter_string=f"name = '{name}'", max_results=1)
    assert page.token
    rest = client.search_model_versions(filter_string=f"name = '{name}'", max_results=1, page_token=page.token)
    assert [v.version for v in rest] == ["1"]

    client.delete_model_version(name, "1")
    with pytest.raises(MlflowException) as excinfo:
        client.get_model_version(name, "1")
    assert _code(excinfo) == "RESOURCE_DOES_NOT_EXIST"
    v3 = client.create_model_version(name, f"runs:/{run_id}/model", run_id=run_id)
    assert v3.version == "3"  # numbers are never reused


def test_aliases(client, logged):
    run_id, _, _, _ = logged
    name = _name()
    client.create_registered_model(name)
    for _ in range(2):
        client.create_model_version(name, f"runs:/{run_id}/model", run_id=run_id)
    client.set_registered_model_alias(name, "champion", "1")
    client.set_registered_model_alias(name, "challenger", "2")
    assert client.get_model_version_by_alias(name, "champion").version == "1"
    assert client.get_registered_model(name).aliases == {"champion": "1", "challenger": "2"}
    assert client.get_model_version(name, "2").aliases == ["challenger"]
    client.set_registered_model_alias(name, "champion", "2")
    assert sorted(client.get_model_version(name, "2").aliases) == ["challenger", "champion"]
    client.delete_registered_model_alias(name, "challenger")
    with pytest.raises(MlflowException) as excinfo:
        client.get_model_version_by_alias(name, "challenger")
    assert _code(excinfo) == "RESOURCE_DOES_NOT_EXIST"
    for bad in ("latest", "v3", "has space", "quote'"):
        with pytest.raises(MlflowException) as excinfo:
            client.set_registered_model_alias(name, bad, "1")
        assert _code(excinfo) == "INVALID_PARAMETER_VALUE"
    with pytest.raises(MlflowException) as excinfo:
        client.set_registered_model_alias(name, "ok", "9")
    assert _code(excinfo) == "RESOURCE_DOES_NOT_EXIST"


def test_version_errors(client, logged):
    run_id, _, _, _ = logged
    with pytest.raises(MlflowException) as excinfo:
        client.create_model_version(_name(), f"runs:/{run_id}/model")
    assert _code(excinfo) == "RESOURCE_DOES_NOT_EXIST"
    name = _name()
    client.create_registered_model(name)
    with pytest.raises(MlflowException) as excinfo:
        client.get_model_version(name, "7")
    assert _code(excinfo) == "RESOURCE_DOES_NOT_EXIST"
    for source in ("file:///etc/", "/etc/passwd", f"runs:/{run_id}/../../x", "s3://bucket/model"):
        with pytest.raises(MlflowException) as excinfo:
            client.create_model_version(name, source, run_id=run_id)
        assert _code(excinfo) == "INVALID_PARAMETER_VALUE", source


def test_register_model_and_round_trip(client, logged):
    run_id, info, X, model = logged
    name = _name("churn")
    version = mlflow.register_model(f"runs:/{run_id}/model", name)
    assert isinstance(version, ModelVersion) and version.version == "1"
    again = mlflow.register_model(info.model_uri, name)
    assert again.version == "2"
    client.set_registered_model_alias(name, "champion", "2")
    expected = model.predict(X)
    client.transition_model_version_stage(name, "1", "Production")
    for uri in (
        f"models:/{name}@champion",
        f"models:/{name}/1",
        f"models:/{name}/latest",
        f"models:/{name}/Production",
    ):
        loaded = mlflow.pyfunc.load_model(uri)
        assert np.array_equal(loaded.predict(X), expected), uri
    copy = _name("copy")
    copied = client.copy_model_version(f"models:/{name}@champion", copy)
    assert copied.version == "1" and copied.source == f"models:/{name}/2"
    assert np.array_equal(mlflow.pyfunc.load_model(f"models:/{copy}/1").predict(X), expected)


def test_log_model_with_registered_model_name(sextant, client, experiment_id):
    from sklearn.linear_model import LinearRegression

    X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    y = np.array([0.5, 1.0, 2.0, 0.0])
    tree = LinearRegression().fit(X, y)
    name = _name("linear")
    with mlflow.start_run():
        info = mlflow.sklearn.log_model(tree, name="tree", registered_model_name=name, input_example=X[:1])
    assert str(info.registered_model_version) == "1"
    version = client.get_model_version(name, "1")
    assert version.source == f"models:/{info.model_id}" and version.status == "READY"
    wire = requests.get(
        f"{sextant.url}/api/2.0/mlflow/model-versions/get", params={"name": name, "version": "1"}, timeout=10
    ).json()["model_version"]
    assert wire["model_id"] == info.model_id
    loaded = mlflow.sklearn.load_model(f"models:/{name}/1")
    assert np.array_equal(loaded.predict(X), tree.predict(X))


def test_deploy_facts_and_history(sextant, client, logged):
    run_id, info, _, _ = logged
    name = _name()
    client.create_registered_model(name)
    client.create_model_version(name, info.model_uri, run_id=run_id, model_id=info.model_id)
    client.set_registered_model_alias(name, "champion", "1")
    base = f"{sextant.url}/api/2.0/sextant/registry"
    details = requests.get(f"{base}/model-versions/details", params={"name": name, "version": "1"}, timeout=10).json()
    facts = details["facts"]
    assert {"python_function", "sklearn"} <= set(facts["flavors"])
    assert facts["hasInputExample"] is True and facts["hasRequirements"] is True
    assert any(r.startswith("scikit-learn") for r in facts["pipRequirements"])
    assert facts["sizeBytes"] > 0 and facts["signature"]["inputs"]
    assert details["deployability"] == {"deployable": True, "reasons": []}
    assert details["lineage"]["runId"] == run_id
    events = requests.get(f"{base}/history", params={"name": name}, timeout=10).json()["events"]
    assert [e["kind"] for e in events] == ["model_created", "version_created", "alias_set"]


BAD_REGISTRY_REQUESTS = [
    ("POST", "/registered-models/create", {}),
    ("POST", "/registered-models/create", {"name": 42}),
    ("POST", "/registered-models/create", {"name": "x", "tags": "not-a-list"}),
    ("POST", "/registered-models/create", {"name": "x" * 300}),
    ("GET", "/registered-models/get?name=", None),
    ("POST", "/registered-models/rename", {"name": "nope-model"}),
    ("DELETE", "/registered-models/delete", None),
    ("GET", "/registered-models/search?max_results=-1", None),
    ("GET", "/registered-models/search?page_token=garbage", None),
    ("GET", "/registered-models/search?filter=name%20%3D", None),
    ("GET", "/registered-models/search?order_by=bogus%20DESC", None),
    ("POST", "/registered-models/get-latest-versions", {"name": "nope-model", "stages": ["Nowhere"]}),
    ("POST", "/model-versions/create", {"name": "nope-model"}),
    ("GET", "/model-versions/get?name=nope-model&version=abc", None),
    ("GET", "/model-versions/get?name=nope-model&version=1", None),
    ("POST", "/model-versions/transition-stage", {"name": "nope-model", "version": "1"}),
    ("GET", "/model-versions/search?filter=run_id%20%3E%205", None),
    ("GET", "/model-versions/search?max_results=200001", None),
    ("GET", "/model-versions/get-download-uri?name=nope-model&version=1", None),
    ("POST", "/registered-models/alias", {"name": "nope-model", "alias": "a", "version": "x"}),
    ("GET", "/registered-models/alias?name=nope-model", None),
]


@pytest.mark.parametrize(("method", "path", "body"), BAD_REGISTRY_REQUESTS, ids=lambda v: str(v)[:50])
def test_bad_registry_requests_are_4xx_never_500(sextant, method, path, body):
    response = requests.request(method, f"{sextant.url}/api/2.0/mlflow{path}", json=body, timeout=10)
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["error_code"] in {"INVALID_PARAMETER_VALUE", "RESOURCE_DOES_NOT_EXIST"}
