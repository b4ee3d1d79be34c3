"""Behaviours MLflow's own REST tests check, kept fixed here with Sextant's own tests.

Each test pins one answer Sextant gives as MLflow's tracking server does: the `/ajax-api/` routes,
bulk metric history and its sampling, metric-history paging, dataset summaries, the run-artifact
upload, logged models (any source run, generated names, their artifacts) and MLflow's wording of
bad input. See docs/mlflow-conformance.md for the measure these come from.
"""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlparse

import mlflow
import pytest
import requests
from mlflow.entities import Dataset, DatasetInput, InputTag

API = "/api/2.0/mlflow"
AJAX = "/ajax-api/2.0/mlflow"


def _bad_request(response, *message_parts: str) -> dict:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error_code"] == "INVALID_PARAMETER_VALUE", body
    for part in message_parts:
        assert part in body["message"], body
    return body


@pytest.fixture
def run_id(client, experiment_id) -> str:
    run_id = client.create_run(experiment_id).info.run_id
    yield run_id
    client.set_terminated(run_id)


def test_ajax_api_prefix_serves_the_same_routes(sextant, experiment_id):
    via_api = requests.get(f"{sextant.url}{API}/experiments/get", params={"experiment_id": experiment_id})
    via_ajax = requests.get(f"{sextant.url}{AJAX}/experiments/get", params={"experiment_id": experiment_id})
    assert via_ajax.status_code == 200
    assert via_ajax.json() == via_api.json()


def test_set_tag_and_log_param_refuse_what_is_not_a_string(sextant, run_id):
    url = f"{sextant.url}{API}/runs"
    _bad_request(requests.post(f"{url}/set-tag", json={"run_id": 31, "key": "t", "value": "v"}), "'run_id'")
    _bad_request(
        requests.post(f"{url}/set-tag", json={"run_id": run_id, "key": "t", "value": 41}),
        "Invalid value 41 for parameter 'value' supplied",
    )
    _bad_request(
        requests.post(f"{url}/set-tag", json={"run_id": run_id, "key": 31, "value": "v"}),
        "Invalid value 31 for parameter 'key' supplied",
    )
    _bad_request(
        requests.post(f"{url}/log-parameter", json={"run_id": run_id, "key": 31, "value": 41}),
        "Invalid value 31 for parameter 'key' supplied",
    )
    _bad_request(
        requests.post(f"{url}/set-tag", json={"run_id": run_id, "value": "v"}),
        "Missing value for required parameter 'key'",
    )
    assert requests.post(f"{url}/set-tag", json={"run_uuid": run_id, "key": "k", "value": "v"}).status_code == 200


def test_metric_and_batch_errors_use_mlflow_wording(sextant, run_id):
    url = f"{sextant.url}{API}/runs"
    _bad_request(
        requests.post(f"{url}/log-metric", json={"run_id": run_id, "key": "m", "value": 1, "timestamp": 5, "step": "foo"}),
        "Invalid value \"foo\" for parameter 'step' supplied",
    )
    _bad_request(
        requests.post(f"{url}/log-metric", json={"run_id": run_id, "key": "m", "value": 1, "timestamp": "foo"}),
        "Invalid value \"foo\" for parameter 'timestamp' supplied",
    )
    for field in ("metrics", "params", "tags"):
        _bad_request(
            requests.post(f"{url}/log-batch", json={"run_id": run_id, field: "foo"}),
            f"Invalid value \"foo\" for parameter '{field}' supplied",
        )
    _bad_request(
        requests.post(f"{url}/log-batch", json={"run_id": run_id, "metrics": [{"key": "mae", "value": 2.5}]}),
        "Missing value for required parameter 'metrics[0].timestamp'",
    )
    ok = requests.post(
        f"{url}/log-batch", json={"run_id": run_id, "metrics": [{"key": "mae", "value": 2.5, "timestamp": 123456789}]}
    )
    assert ok.status_code == 200, ok.text


def test_metric_history_pages_with_max_results_and_page_token(sextant, client, run_id):
    for i in range(10):
        client.log_metric(run_id, "m", float(i), timestamp=1000 + i, step=i)
    url = f"{sextant.url}{AJAX}/metrics/get-history"
    seen, token, pages = [], None, 0
    while True:
        params = {"run_id": run_id, "metric_key": "m", "max_results": 4, **({"page_token": token} if token else {})}
        body = requests.get(url, params=params).json()
        seen += [(m["step"], m["value"], m["timestamp"]) for m in body["metrics"]]
        pages += 1
        token = body.get("next_page_token")
        if not token:
            break
    assert pages == 3
    assert seen == [(i, float(i), 1000 + i) for i in range(10)]
    bad = requests.get(url, params={"run_id": run_id, "metric_key": "m", "page_token": "invalid_token"})
    _bad_request(bad)


def test_get_history_bulk_validates_orders_by_run_and_limits(sextant, client, experiment_id):
    url = f"{sextant.url}{AJAX}/metrics/get-history-bulk"
    _bad_request(requests.get(url, params={"metric_key": "k"}), "must specify at least one run_id")
    _bad_request(
        requests.get(url, params={"run_id": [f"id_{i}" for i in range(101)], "metric_key": "k"}),
        "GetMetricHistoryBulk request cannot specify more than 100",
    )
    _bad_request(requests.get(url, params={"run_id": ["123"]}), "must specify a metric_key")
    runs = sorted(client.create_run(experiment_id).info.run_id for _ in range(2))
    history = [(1, 2, 10.0), (1, 3, 11.0), (2, 3, 12.0)]
    for offset, run in enumerate(runs):
        for timestamp, step, value in history:
            client.log_metric(run, "a", value + offset, timestamp=timestamp, step=step)
        client.set_terminated(run)
    body = requests.get(url, params={"run_id": list(reversed(runs)), "metric_key": "a"}).json()
    assert body["metrics"] == [
        {"key": "a", "timestamp": t, "step": s, "value": v + offset, "run_id": run}
        for offset, run in enumerate(runs)
        for t, s, v in history
    ]
    limited = requests.get(url, params={"run_id": runs[0], "metric_key": "a", "max_results": 2}).json()
    assert [m["value"] for m in limited["metrics"]] == [10.0, 11.0]


def test_get_history_bulk_interval_validates_and_samples_as_mlflow(sextant, client, experiment_id):
    url = f"{sextant.url}{AJAX}/metrics/get-history-bulk-interval"
    _bad_request(requests.get(url, params={"metric_key": "k"}), "Missing value for required parameter 'run_ids'.")
    _bad_request(
        requests.get(url, params={"run_ids": [f"id_{i}" for i in range(101)], "metric_key": "k"}),
        "must specify at most 100 run_ids",
    )
    _bad_request(
        requests.get(url, params={"run_ids": ["1"], "metric_key": "k", "max_results": 0}),
        "max_results must be between 1 and 2500",
    )
    _bad_request(requests.get(url, params={"run_ids": ["1"], "metric_key": ""}), "'metric_key'")
    _bad_request(
        requests.get(url, params={"run_ids": ["1"], "metric_key": "k", "start_step": 1, "end_step": 0}),
        "end_step must be greater than start_step",
    )
    _bad_request(
        requests.get(url, params={"run_ids": ["1"], "metric_key": "k", "start_step": 1}),
        "both must be specified",
    )
    short, long = client.create_run(experiment_id).info.run_id, client.create_run(experiment_id).info.run_id
    for run, steps in ((short, 10), (long, 20)):
        for step in range(steps):
            client.log_metric(run, "a", 10.0, timestamp=1, step=step)
        client.set_terminated(run)

    def steps(params):
        body = requests.get(url, params={"metric_key": "a", **params}).json()
        return [(m["run_id"], m["step"]) for m in body["metrics"]]

    assert steps({"run_ids": [short], "max_results": 5}) == [(short, s) for s in (0, 2, 4, 6, 8, 9)]
    assert steps({"run_ids": [short], "max_results": 5, "start_step": 0, "end_step": 4}) == [
        (short, s) for s in range(5)
    ]
    # Steps are spread over both runs' steps; each run's first and last step is kept.
    assert steps({"run_ids": [short, long], "max_results": 5}) == [(short, s) for s in (0, 4, 8, 9)] + [
        (long, s) for s in (0, 4, 8, 9, 12, 16, 19)
    ]


def test_search_datasets_validates_and_summarizes(sextant, client, experiment_id, run_id):
    url = f"{sextant.url}{AJAX}/experiments/search-datasets"
    _bad_request(requests.post(url, json={}), "SearchDatasets request must specify at least one experiment_id.")
    _bad_request(requests.post(url, json={"experiment_ids": []}), "at least one experiment_id")
    _bad_request(
        requests.post(url, json={"experiment_ids": [f"id_{i}" for i in range(1000)]}),
        "SearchDatasets request cannot specify more than",
    )
    dataset = Dataset(name="name1", digest="digest1", source_type="source_type1", source="source1")
    client.log_inputs(run_id, [DatasetInput(dataset, [InputTag("mlflow.data.context", "training")])])
    response = requests.post(url, json={"experiment_ids": [experiment_id]})
    assert response.status_code == 200
    assert response.json()["dataset_summaries"] == [
        {"experiment_id": experiment_id, "name": "name1", "digest": "digest1", "context": "training"}
    ]


def test_upload_artifact_validates_then_stores_the_body(sextant, run_id):
    url = f"{sextant.url}{AJAX}/upload-artifact"
    _bad_request(requests.post(url, params={}), "Request must specify run_uuid.")
    _bad_request(requests.post(url, params={"run_uuid": run_id}), "Request must specify path.")
    _bad_request(requests.post(url, params={"run_uuid": run_id, "path": ""}), "Request must specify path.")
    _bad_request(requests.post(url, params={"run_uuid": run_id, "path": "../test.txt"}), "Invalid path")
    _bad_request(requests.post(url, params={"run_uuid": run_id, "path": "test.txt"}), "Request must specify data.")
    assert requests.post(url, params={"run_uuid": run_id, "path": "test.txt"}, data="hello world").status_code == 200
    got = requests.get(f"{sextant.url}/get-artifact", params={"run_uuid": run_id, "path": "test.txt"})
    assert got.status_code == 200
    assert got.text == "hello world"


def test_logged_model_may_name_any_source_run_and_gets_a_generated_name(client, experiment_id):
    model = client.create_logged_model(experiment_id, source_run_id="123")
    assert client.get_logged_model(model.model_id).source_run_id == "123"
    first = client.create_logged_model(experiment_id)
    second = client.create_logged_model(experiment_id)
    assert first.name and second.name and first.name != second.name
    found = client.search_logged_models(experiment_ids=[experiment_id], filter_string=f"name = {first.name!r}")
    assert [m.model_id for m in found] == [first.model_id]


def test_search_logged_models_by_dataset_finds_only_models_measured_on_it(client, experiment_id, run_id):
    measured = client.create_logged_model(experiment_id)
    client.create_logged_model(experiment_id)
    client.log_metric(
        run_id, "metric", 1, dataset_name="dataset", dataset_digest="123", model_id=measured.model_id
    )
    found = client.search_logged_models(
        experiment_ids=[experiment_id], datasets=[{"dataset_name": "dataset", "dataset_digest": "123"}]
    )
    assert [m.model_id for m in found] == [measured.model_id]
    assert client.search_logged_models(
        experiment_ids=[experiment_id], datasets=[{"dataset_name": "other"}]
    ) == []


def test_logged_model_artifacts_list_and_download(sextant, experiment_id):
    class Identity(mlflow.pyfunc.PythonModel):
        def predict(self, context, model_input):
            return model_input

    with mlflow.start_run(experiment_id=experiment_id):
        info = mlflow.pyfunc.log_model(name="model", python_model=Identity())
    base = f"{sextant.url}{AJAX}/logged-models/{info.model_id}/artifacts"
    listing = requests.get(f"{base}/directories")
    assert listing.status_code == 200
    assert "MLmodel" in [f["path"] for f in listing.json()["files"]]
    mlmodel = requests.get(f"{base}/files", params={"artifact_file_path": "MLmodel"})
    assert mlmodel.status_code == 200
    assert info.model_id in mlmodel.text
    escape = requests.get(f"{base}/files", params={"artifact_file_path": "../../../etc/passwd"})
    _bad_request(escape, "Invalid path")


def test_url_and_framing_errors_are_mlflow_errors(sextant):
    # http.client sends the path as written (requests would re-escape the broken escape).
    connection = http.client.HTTPConnection(urlparse(sextant.url).netloc, timeout=10)
    connection.request("DELETE", f"{API}/logged-models/m-1/tags/%ZZ")
    response = connection.getresponse()
    assert response.status == 400
    assert json.loads(response.read())["error_code"] == "BAD_REQUEST"
    connection.close()
    too_long = requests.get(f"{sextant.url}{API}/experiments/search", params={"filter": "x" * 20_000})
    assert too_long.status_code == 431
    assert too_long.json()["error_code"] == "REQUEST_LIMIT_EXCEEDED"
    assert requests.get(f"{sextant.url}/health").status_code == 200


def test_registering_a_logged_model_lists_the_version_on_it(client, experiment_id, exp_name):
    name = f"{exp_name}-registered"
    client.create_registered_model(name)
    with mlflow.start_run(experiment_id=experiment_id):
        info = mlflow.pyfunc.log_model(name="model", python_model=_Identity())
    for _ in range(2):
        client.create_model_version(name=name, source=info.artifact_path, model_id=info.model_id)
    model = client.get_logged_model(info.model_id)
    assert model.tags["mlflow.modelVersions"] == (
        f'[{{"name": "{name}", "version": 1}}, {{"name": "{name}", "version": 2}}]'
    )


class _Identity(mlflow.pyfunc.PythonModel):
    def predict(self, context, model_input):
        return model_input
